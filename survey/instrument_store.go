package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"govkpi/survey/instrument"
	"govkpi/survey/xlsform"
)

// StoredInstrument is a questionnaire version kept in the database. A
// published version never changes: editing means importing a new version.
type StoredInstrument struct {
	ID          int64        `db:"id"`
	Code        string       `db:"code"`
	Version     string       `db:"version"`
	TitleZh     string       `db:"title_zh"`
	TitleEn     string       `db:"title_en"`
	Format      string       `db:"format"`
	SourceName  string       `db:"source_name"`
	Definition  string       `db:"definition"`
	Questions   int          `db:"questions"`
	Status      string       `db:"status"`
	CreatedAt   time.Time    `db:"created_at"`
	UpdatedAt   time.Time    `db:"updated_at"`
	PublishedAt sql.NullTime `db:"published_at"`
}

// Title returns the title in lang.
func (s *StoredInstrument) Title(lang string) string {
	return instrument.Text{Zh: s.TitleZh, En: s.TitleEn}.In(lang)
}

// Instrument decodes the stored definition. The result is shared: callers
// must not change it.
func (s *StoredInstrument) Instrument() (*instrument.Instrument, error) {
	if in, ok := decodedInstruments.get(s.Definition); ok {
		return in, nil
	}
	var in instrument.Instrument
	if err := json.Unmarshal([]byte(s.Definition), &in); err != nil {
		return nil, fmt.Errorf("instrument %d: %w", s.ID, err)
	}
	decodedInstruments.put(s.Definition, &in)
	return &in, nil
}

// decodedInstruments keeps decoded questionnaires by their stored
// definition, so a page view or a submit does not decode the same
// questionnaire again: the result is a pure function of the text, and
// callers only read it.
var decodedInstruments = &instrumentCache{m: map[string]*instrument.Instrument{}}

// maxCachedInstruments bounds the cache; when full it starts afresh.
const maxCachedInstruments = 64

type instrumentCache struct {
	mu sync.RWMutex
	m  map[string]*instrument.Instrument
}

func (c *instrumentCache) get(def string) (*instrument.Instrument, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	in, ok := c.m[def]
	return in, ok
}

func (c *instrumentCache) put(def string, in *instrument.Instrument) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedInstruments {
		c.m = map[string]*instrument.Instrument{}
	}
	c.m[def] = in
}

// ParseInstrument reads a questionnaire file by its name: .yaml or .yml is
// the native format, anything else is taken as an XLSForm workbook (which
// refuses .xls and other extensions with advice). The result is validated.
func ParseInstrument(r io.Reader, name string) (*instrument.Instrument, string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		in, err := instrument.ReadYAML(r)
		return in, "yaml", err
	}
	in, err := xlsform.Read(r, name)
	if err != nil {
		return nil, "xlsform", err
	}
	if err := in.Validate(); err != nil {
		return nil, "xlsform", err
	}
	return in, "xlsform", nil
}

// ImportInstrument stores a validated questionnaire as a draft. Importing a
// code and version that is still a draft replaces it; one that is published
// is refused (EConflict): change the version instead.
func (db *DB) ImportInstrument(ctx context.Context, in *instrument.Instrument, format, sourceName string) (*StoredInstrument, error) {
	def, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode instrument: %w", err)
	}
	var id int64
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		now := time.Now().UTC()
		var existing struct {
			ID     int64  `db:"id"`
			Status string `db:"status"`
		}
		err := db.write(ctx, tx, "instrument-by-code-version").GetContext(ctx, &existing, in.Code, in.Version)
		switch {
		case err == nil && existing.Status == "published":
			return Errorf(EConflict, "instrument.published_immutable", in.Code, in.Version)
		case err == nil:
			id = existing.ID
			if _, err := db.write(ctx, tx, "instrument-replace-draft").ExecContext(ctx, in.Title.Zh, in.Title.En, format,
				truncate(sourceName, 200), string(def), in.QuestionCount(), now, id); err != nil {
				return fmt.Errorf("replace instrument draft: %w", err)
			}
		case errors.Is(err, sql.ErrNoRows):
			if err := db.write(ctx, tx, "instrument-insert").GetContext(ctx, &id, in.Code, in.Version, in.Title.Zh, in.Title.En,
				format, truncate(sourceName, 200), string(def), in.QuestionCount(), now, now); err != nil {
				return fmt.Errorf("insert instrument: %w", err)
			}
		default:
			return fmt.Errorf("find instrument: %w", err)
		}
		return db.auditChange(ctx, tx, AuditInstrumentImported, "instrument", in.Code+" "+in.Version, truncate(sourceName, 200))
	})
	if err != nil {
		return nil, err
	}
	return db.FindInstrumentByID(ctx, id)
}

// FindInstrumentByID returns a stored questionnaire or ENotFound.
func (db *DB) FindInstrumentByID(ctx context.Context, id int64) (*StoredInstrument, error) {
	var s StoredInstrument
	if err := db.read("instrument-by-id").GetContext(ctx, &s, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find instrument %d: %w", id, err)
	}
	return &s, nil
}

// FindInstruments lists stored questionnaires without their definitions.
func (db *DB) FindInstruments(ctx context.Context) ([]StoredInstrument, error) {
	var out []StoredInstrument
	if err := db.read("instruments-find").SelectContext(ctx, &out, 500); err != nil {
		return nil, fmt.Errorf("find instruments: %w", err)
	}
	return out, nil
}

// PublishInstrument freezes a draft. Errors: ENotFound; EConflict when it is
// already published.
func (db *DB) PublishInstrument(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		now := time.Now().UTC()
		var cv struct {
			Code    string `db:"code"`
			Version string `db:"version"`
		}
		err := db.write(ctx, tx, "instrument-publish").GetContext(ctx, &cv, now, now, id)
		if errors.Is(err, sql.ErrNoRows) {
			var s StoredInstrument
			if err := db.write(ctx, tx, "instrument-by-id").GetContext(ctx, &s, id); err != nil {
				return Errorf(ENotFound, "err.not_found")
			}
			return Errorf(EConflict, "instrument.already_published")
		}
		if err != nil {
			return fmt.Errorf("publish instrument %d: %w", id, err)
		}
		return db.auditChange(ctx, tx, AuditInstrumentPublished, "instrument", cv.Code+" "+cv.Version, "")
	})
}
