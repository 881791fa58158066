package survey

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"
)

//go:embed queries/*.sql
var queriesFS embed.FS

// parseQueries reads named blocks from every .sql file in fsys. A block starts
// with a line `-- name: some-name` and runs to the next such line. A name may
// end in `@sqlite` or `@postgres` to give that dialect its own text; the
// plain name is the portable version. Placeholders are `?` (rebound for
// PostgreSQL).
func parseQueries(fsys fs.FS) (map[string]string, error) {
	out := map[string]string{}
	files, err := fs.Glob(fsys, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var name string
		var body strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			if _, dup := out[name]; dup {
				return fmt.Errorf("%s: query %q defined twice", f, name)
			}
			text := strings.TrimSpace(body.String())
			if text == "" {
				return fmt.Errorf("%s: query %q is empty", f, name)
			}
			out[name] = text
			body.Reset()
			return nil
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for sc.Scan() {
			line := sc.Text()
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				name = strings.TrimSpace(rest)
				continue
			}
			if name != "" {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// queries holds every named query prepared on the reader and on the writer.
type queries struct {
	text map[string]string
	r, w map[string]*sqlx.Stmt
}

// queryText picks the dialect's text for each base name.
func queryText(all map[string]string, dialect string) map[string]string {
	out := map[string]string{}
	for name, text := range all {
		base, d, found := strings.Cut(name, "@")
		if found {
			if d == dialect {
				out[base] = text
			}
			continue
		}
		if _, has := out[base]; !has {
			out[base] = text
		}
	}
	// A dialect override always wins over the portable text.
	for name, text := range all {
		if base, d, found := strings.Cut(name, "@"); found && d == dialect {
			out[base] = text
		}
	}
	return out
}

func prepareQueries(ctx context.Context, db *DB) (*queries, error) {
	all, err := parseQueries(queriesFS)
	if err != nil {
		return nil, fmt.Errorf("read queries: %w", err)
	}
	q := &queries{text: queryText(all, db.Dialect), r: map[string]*sqlx.Stmt{}, w: map[string]*sqlx.Stmt{}}
	for name, text := range q.text {
		text = db.W.Rebind(text)
		q.text[name] = text
		ws, err := db.W.PreparexContext(ctx, text)
		if err != nil {
			q.close()
			return nil, fmt.Errorf("prepare query %q: %w", name, err)
		}
		q.w[name] = ws
		if db.R == db.W {
			q.r[name] = ws
			continue
		}
		rs, err := db.R.PreparexContext(ctx, text)
		if err != nil {
			q.close()
			return nil, fmt.Errorf("prepare query %q on reader: %w", name, err)
		}
		q.r[name] = rs
	}
	return q, nil
}

func (q *queries) close() {
	for name, s := range q.w {
		s.Close()
		if r := q.r[name]; r != nil && r != s {
			r.Close()
		}
	}
}

// read returns the named statement on the read pool; an unknown name is a
// programming error caught by TestQueriesNamed.
func (db *DB) read(name string) *sqlx.Stmt {
	s, ok := db.q.r[name]
	if !ok {
		panic("survey: no query named " + name)
	}
	return s
}

// write returns the named statement bound to tx.
func (db *DB) write(ctx context.Context, tx *sqlx.Tx, name string) *sqlx.Stmt {
	s, ok := db.q.w[name]
	if !ok {
		panic("survey: no query named " + name)
	}
	return tx.StmtxContext(ctx, s)
}
