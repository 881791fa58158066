package survey

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govkpi/scoring"
)

// Framework versions are kept whole, as YAML, under a code and version
// that name them for good (the database refuses to change or delete a
// row), so a campaign or a run naming "CODE VERSION" always means the same
// framework.
//
// The built-in default (scoring.DefaultFramework, DGMI 2026.1) is not put
// in by a migration: its YAML is the binary's. It gets its row the first
// time the versions are listed or a version is saved, so it has an id
// that derived versions and AHP rounds can point to, and nobody can load
// another framework under its name. Until then a campaign naming it (or
// nothing) is scored with the built-in directly, and while this binary
// ships it the row always reads as the embedded file.

// Framework version sources.
const (
	FrameworkSourceYAML    = "yaml"
	FrameworkSourceCSV     = "csv"
	FrameworkSourceWeights = "weights" // budget points on another version
	FrameworkSourceBuiltin = "builtin"
	// FrameworkSourceAHP ("ahp", a closed AHP round) is in ahp.go.
)

// FrameworkVersion is a framework version kept in the database: the
// framework as canonical YAML, where it came from and which version it
// was derived from.
type FrameworkVersion struct {
	ID          int64         `db:"id"`
	Code        string        `db:"code"`
	Version     string        `db:"version"`
	NameZh      string        `db:"name_zh"`
	NameEn      string        `db:"name_en"`
	Source      string        `db:"source"` // yaml, csv, weights (budget points), ahp (a closed round), builtin
	ParentID    sql.NullInt64 `db:"parent_id"`
	Note        string        `db:"note"`
	Document    string        `db:"document"` // the framework as YAML, read with scoring.ReadFrameworkYAML
	CreatedBy   sql.NullInt64 `db:"created_by"`
	CreatedAt   time.Time     `db:"created_at"`
	CreatorName string        `db:"creator_name"`
}

// Name is the version's name in lang, falling back to the other language
// and then to the code.
func (v *FrameworkVersion) Name(lang string) string {
	switch {
	case lang == "en" && v.NameEn != "":
		return v.NameEn
	case v.NameZh != "":
		return v.NameZh
	case v.NameEn != "":
		return v.NameEn
	}
	return v.Code
}

// Ref is how a campaign names the version: "CODE VERSION".
func (v *FrameworkVersion) Ref() string { return v.Code + " " + v.Version }

var (
	frameworkCodeRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
	frameworkVersionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// maxFrameworkRef is the longest "CODE VERSION" a campaign can name (its
// framework_version field).
const maxFrameworkRef = 32

// checkFrameworkName refuses a code or version a campaign could not name.
func checkFrameworkName(code, version string) error {
	fe := FieldErrors{}
	if !frameworkCodeRE.MatchString(code) {
		fe.Add("code", "framework.code_invalid")
	}
	if !frameworkVersionRE.MatchString(version) {
		fe.Add("version", "framework.version_invalid")
	}
	if len(code)+1+len(version) > maxFrameworkRef {
		fe.Add("version", "framework.ref_too_long")
	}
	return fe.Err()
}

// SaveFrameworkVersion keeps fw as a new version (its Code and Version,
// which must be new: EConflict otherwise), from source, derived from
// parentID (0 for none), audited. The document kept is fw written back as
// YAML, so reading it gives the same framework.
//
// Errors: EInvalid with field "code" or "version" when a campaign could
// not name them (letters, digits, _ . - only, at most 32 together) or when
// fw does not survive writing and reading back; EConflict with field
// "version" when the code (in any case) already has that version;
// ENotFound for an unknown parent.
func (db *DB) SaveFrameworkVersion(ctx context.Context, fw *scoring.Framework, source string, parentID int64, note string) (*FrameworkVersion, error) {
	switch source {
	case FrameworkSourceYAML, FrameworkSourceCSV, FrameworkSourceWeights, FrameworkSourceAHP:
	default:
		return nil, fmt.Errorf("save framework %s %s: unknown source %q", fw.Code, fw.Version, source)
	}
	if err := checkFrameworkName(fw.Code, fw.Version); err != nil {
		return nil, err
	}
	var doc bytes.Buffer
	if err := fw.WriteYAML(&doc); err != nil {
		return nil, err
	}
	// What is kept must read back: a framework changed after validation
	// (new weights, say) is validated again here.
	if _, err := scoring.ReadFrameworkYAML(bytes.NewReader(doc.Bytes())); err != nil {
		return nil, &Error{Code: EInvalid, Key: "framework.invalid", Args: []any{err.Error()}, Wrapped: err}
	}
	if err := db.ensureBuiltinFramework(ctx); err != nil {
		return nil, err
	}
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	v := &FrameworkVersion{Code: fw.Code, Version: fw.Version, NameZh: fw.NameZh, NameEn: fw.NameEn, Source: source,
		ParentID: sql.NullInt64{Int64: parentID, Valid: parentID > 0}, Note: strings.TrimSpace(note),
		Document: doc.String(), CreatedBy: actor.ActorID, CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
		CreatorName: actor.ActorName}
	if v.NameZh == "" && v.NameEn == "" && fw.Root != nil {
		v.NameZh, v.NameEn = fw.Root.NameZh, fw.Root.NameEn
	}
	taken := &Error{Code: EConflict, Key: "err.form_invalid", Fields: FieldErrors{"version": "framework.version_taken"}}
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := db.write(ctx, tx, "framework-version-exists").GetContext(ctx, &n, v.Code, v.Version); err != nil {
			return fmt.Errorf("save framework %s: %w", v.Ref(), err)
		}
		if n > 0 {
			return taken
		}
		if v.ParentID.Valid {
			var parent FrameworkVersion
			err := db.write(ctx, tx, "framework-version").GetContext(ctx, &parent, parentID)
			if errors.Is(err, sql.ErrNoRows) {
				return Errorf(ENotFound, "err.not_found")
			}
			if err != nil {
				return fmt.Errorf("save framework %s: parent %d: %w", v.Ref(), parentID, err)
			}
		}
		err := db.write(ctx, tx, "framework-version-insert").GetContext(ctx, &v.ID, v.Code, v.Version, v.NameZh, v.NameEn,
			v.Source, v.ParentID, v.Note, v.Document, v.CreatedBy, v.CreatedAt)
		if isUniqueViolation(err) {
			return taken
		}
		if err != nil {
			return fmt.Errorf("save framework %s: %w", v.Ref(), err)
		}
		detail := v.Ref() + ", " + source
		if v.ParentID.Valid {
			detail += fmt.Sprintf(", from version %d", parentID)
		}
		return db.auditChange(ctx, tx, AuditFrameworkSaved, "framework_version", itoa(v.ID), detail)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// ensureBuiltinFramework gives the built-in default its row when it has
// none, audited; concurrent first uses make one row between them.
func (db *DB) ensureBuiltinFramework(ctx context.Context) error {
	fw, err := scoring.DefaultFramework()
	if err != nil {
		return fmt.Errorf("built-in framework: %w", err)
	}
	var n int
	if err := db.read("framework-version-exists").GetContext(ctx, &n, fw.Code, fw.Version); err != nil {
		return fmt.Errorf("built-in framework: %w", err)
	}
	if n > 0 {
		return nil
	}
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		err := db.write(ctx, tx, "framework-builtin-insert").GetContext(ctx, &id, fw.Code, fw.Version, fw.NameZh, fw.NameEn,
			string(scoring.DefaultFrameworkYAML()), actor.ActorID, time.Now().UTC().Truncate(time.Microsecond))
		if errors.Is(err, sql.ErrNoRows) || isUniqueViolation(err) {
			return nil // made meanwhile
		}
		if err != nil {
			return fmt.Errorf("built-in framework: %w", err)
		}
		return db.auditChange(ctx, tx, AuditFrameworkSaved, "framework_version", itoa(id), fw.Code+" "+fw.Version+", builtin")
	})
}

// builtinDocument makes a built-in row read as this binary's embedded
// file while the binary ships that version; rows of a built-in that a
// later binary no longer ships keep their own text.
func builtinDocument(v *FrameworkVersion, builtin *scoring.Framework) {
	if v.Source == FrameworkSourceBuiltin && v.Code == builtin.Code && v.Version == builtin.Version {
		v.Document = string(scoring.DefaultFrameworkYAML())
	}
}

// FindFrameworkVersion returns version id. Errors: ENotFound.
func (db *DB) FindFrameworkVersion(ctx context.Context, id int64) (*FrameworkVersion, error) {
	var v FrameworkVersion
	err := db.read("framework-version").GetContext(ctx, &v, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("framework version %d: %w", id, err)
	}
	if v.Source == FrameworkSourceBuiltin {
		builtin, err := scoring.DefaultFramework()
		if err != nil {
			return nil, fmt.Errorf("built-in framework: %w", err)
		}
		builtinDocument(&v, builtin)
	}
	return &v, nil
}

// FrameworkVersions lists every version, newest first, without their
// documents (FindFrameworkVersion gives one whole). The built-in default
// is among them: listing gives it its row when it has none yet.
func (db *DB) FrameworkVersions(ctx context.Context) ([]FrameworkVersion, error) {
	if err := db.ensureBuiltinFramework(ctx); err != nil {
		return nil, err
	}
	var out []FrameworkVersion
	if err := db.read("framework-versions").SelectContext(ctx, &out); err != nil {
		return nil, fmt.Errorf("framework versions: %w", err)
	}
	return out, nil
}

// Framework reads the version's document. Errors: EInvalid when it does
// not read (a version listed without its document, say).
func (v *FrameworkVersion) Framework() (*scoring.Framework, error) {
	if v.Document == "" {
		return nil, fmt.Errorf("framework version %d: no document loaded", v.ID)
	}
	fw, err := scoring.ReadFrameworkYAML(strings.NewReader(v.Document))
	if err != nil {
		return nil, &Error{Code: EInvalid, Key: "framework.invalid", Args: []any{err.Error()}, Wrapped: err}
	}
	return fw, nil
}

// namedFramework finds the version a campaign's reference names: "CODE
// VERSION" (the code in any case), "VERSION" alone when only one code has
// it, or nothing for the built-in default. The built-in is found even
// before it has its row. It returns the version with its document, and
// the framework read from it. Errors: EInvalid naming what was asked for
// and what there is.
func (db *DB) namedFramework(ctx context.Context, ref string) (*FrameworkVersion, *scoring.Framework, error) {
	builtin, err := scoring.DefaultFramework()
	if err != nil {
		return nil, nil, fmt.Errorf("built-in framework: %w", err)
	}
	var code, version string
	switch f := strings.Fields(ref); len(f) {
	case 0:
		code, version = builtin.Code, builtin.Version
	case 1:
		version = f[0]
	case 2:
		code, version = f[0], f[1]
	}
	var rows []FrameworkVersion
	if version != "" {
		if err := db.read("framework-versions-named").SelectContext(ctx, &rows, version); err != nil {
			return nil, nil, fmt.Errorf("framework %q: %w", ref, err)
		}
	}
	var match []FrameworkVersion
	builtinStored := false
	for _, v := range rows {
		builtinStored = builtinStored || (v.Code == builtin.Code && v.Version == builtin.Version)
		if code == "" || strings.EqualFold(v.Code, code) {
			builtinDocument(&v, builtin)
			match = append(match, v)
		}
	}
	if !builtinStored && version == builtin.Version && (code == "" || strings.EqualFold(code, builtin.Code)) {
		match = append(match, FrameworkVersion{Code: builtin.Code, Version: builtin.Version, NameZh: builtin.NameZh,
			NameEn: builtin.NameEn, Source: FrameworkSourceBuiltin, Document: string(scoring.DefaultFrameworkYAML())})
	}
	switch len(match) {
	case 1:
		v := &match[0]
		if v.Document == string(scoring.DefaultFrameworkYAML()) {
			return v, builtin, nil
		}
		fw, err := v.Framework()
		if err != nil {
			return nil, nil, err
		}
		return v, fw, nil
	case 0:
		have := []string{builtin.Code + " " + builtin.Version}
		var all []FrameworkVersion
		if err := db.read("framework-versions").SelectContext(ctx, &all); err != nil {
			return nil, nil, fmt.Errorf("framework versions: %w", err)
		}
		for _, v := range all {
			if r := v.Ref(); r != have[0] && len(have) < 10 {
				have = append(have, r)
			}
		}
		return nil, nil, Errorf(EInvalid, "assess.framework_unknown", ref, strings.Join(have, ", "))
	}
	var refs []string
	for _, v := range match {
		refs = append(refs, v.Ref())
	}
	return nil, nil, Errorf(EInvalid, "framework.ambiguous", ref, strings.Join(refs, ", "))
}
