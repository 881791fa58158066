package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"
)

// Export jobs are bulk exports made in the background (the dashboard's
// jobs.go makes the file): a job is queued when asked for, claimed by a
// worker (one job runs at a time, across processes too: a partial unique
// index admits one running row), counts its progress, and ends done with
// its file or failed with the catalogue key of why. A process that stops
// leaves its job unfinished; FailUnfinishedExportJobs, called at start-up,
// marks such jobs failed so their starters can start them again.
//
// The file is kept on disk in ExportDir, not in the database: a run of
// 500 departments with PDFs makes tens of megabytes, which as a blob
// would pass through SQLite's single writer and its WAL (or PostgreSQL's
// TOAST) for nothing, and a download would have to hold it in memory
// rather than stream it from a file.

// Export job states.
const (
	ExportJobQueued  = "queued"
	ExportJobRunning = "running"
	ExportJobDone    = "done"
	ExportJobFailed  = "failed"
)

// AuditExportJobCreated is the audit action of a bulk export asked for;
// its download is audited as AuditExported.
const AuditExportJobCreated = "export.job_created"

// ExportJob is one bulk export.
type ExportJob struct {
	ID          int64        `db:"id"`
	RunID       int64        `db:"run_id"`
	Kind        string       `db:"kind"` // "zip"
	Lang        string       `db:"lang"` // of the files' texts
	State       string       `db:"state"`
	Done        int          `db:"done"`
	Total       int          `db:"total"`
	Error       string       `db:"error"`       // catalogue key, when failed
	WithoutPDF  bool         `db:"without_pdf"` // no browser could print: workbooks only
	File        string       `db:"file"`        // the ZIP's name in ExportDir, when done
	Bytes       int64        `db:"bytes"`
	CreatedBy   int64        `db:"created_by"`
	CreatorName string       `db:"creator_name"`
	CreatedAt   time.Time    `db:"created_at"`
	StartedAt   sql.NullTime `db:"started_at"`
	FinishedAt  sql.NullTime `db:"finished_at"`
}

// Finished reports whether the job is done or failed.
func (j *ExportJob) Finished() bool { return j.State == ExportJobDone || j.State == ExportJobFailed }

// ExportJobInput asks for a bulk export of run RunID in Lang, of Total
// steps (the progress bar's end).
type ExportJobInput struct {
	RunID int64
	Lang  string
	Total int
}

// CreateExportJob queues a bulk export asked for by the context's actor,
// who must be a signed-in account, and audits it in the same transaction.
// Errors: EInvalid without an account, ENotFound for an unknown run.
func (db *DB) CreateExportJob(ctx context.Context, in ExportJobInput) (*ExportJob, error) {
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	if !actor.ActorID.Valid {
		return nil, Errorf(EInvalid, "err.forbidden")
	}
	if _, err := db.FindAssessmentRunHead(ctx, in.RunID); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		err := db.write(ctx, tx, "export-job-insert").GetContext(ctx, &id,
			in.RunID, in.Lang, max(in.Total, 0), actor.ActorID.Int64, time.Now().UTC())
		if err != nil {
			return fmt.Errorf("insert export job: %w", err)
		}
		return db.auditChange(ctx, tx, AuditExportJobCreated, "run", fmt.Sprint(in.RunID),
			fmt.Sprintf("bulk export (zip, %s), job %d", in.Lang, id))
	})
	if err != nil {
		return nil, err
	}
	return db.FindExportJobByID(ctx, id)
}

// FindExportJobByID returns a job. Errors: ENotFound.
func (db *DB) FindExportJobByID(ctx context.Context, id int64) (*ExportJob, error) {
	var j ExportJob
	if err := db.read("export-job-by-id").GetContext(ctx, &j, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find export job %d: %w", id, err)
	}
	return &j, nil
}

// ClaimExportJob marks the oldest queued job running and returns it; nil
// when none is queued or another job is running (whose worker claims the
// next one when it ends).
func (db *DB) ClaimExportJob(ctx context.Context) (*ExportJob, error) {
	var id int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.write(ctx, tx, "export-job-next").GetContext(ctx, &id); err != nil {
			return err
		}
		res, err := db.write(ctx, tx, "export-job-claim").ExecContext(ctx, time.Now().UTC(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sql.ErrNoRows // claimed by another worker a moment ago
		}
		return nil
	})
	if errors.Is(err, sql.ErrNoRows) || isUniqueViolation(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim export job: %w", err)
	}
	return db.FindExportJobByID(ctx, id)
}

// UpdateExportJobProgress records that a running job has made done of
// its steps.
func (db *DB) UpdateExportJobProgress(ctx context.Context, id int64, done int) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := db.write(ctx, tx, "export-job-progress").ExecContext(ctx, done, id); err != nil {
			return fmt.Errorf("export job %d progress: %w", id, err)
		}
		return nil
	})
}

// FinishExportJob marks a running job done with its file (a name in
// ExportDir) of bytes. Errors: EConflict when the job is not running (it
// was failed meanwhile, at a restart).
func (db *DB) FinishExportJob(ctx context.Context, id int64, file string, bytes int64, withoutPDF bool) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, "export-job-finish").ExecContext(ctx, file, bytes, withoutPDF, time.Now().UTC(), id)
		if err != nil {
			return fmt.Errorf("finish export job %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(EConflict, "err.export_job_not_running")
		}
		return nil
	})
}

// FailExportJob marks an unfinished job failed, reason being a catalogue
// key the job's page shows; a finished job is left as it is.
func (db *DB) FailExportJob(ctx context.Context, id int64, reason string) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := db.write(ctx, tx, "export-job-fail").ExecContext(ctx, reason, time.Now().UTC(), id); err != nil {
			return fmt.Errorf("fail export job %d: %w", id, err)
		}
		return nil
	})
}

// FailUnfinishedExportJobs marks every queued or running job failed with
// reason and returns how many it marked. Call it once at start-up, before
// any job is asked for: a job unfinished then was the last process's,
// which stopped without ending it.
func (db *DB) FailUnfinishedExportJobs(ctx context.Context, reason string) (int, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, "export-job-fail-unfinished").ExecContext(ctx, reason, time.Now().UTC())
		if err != nil {
			return fmt.Errorf("fail unfinished export jobs: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// ExpireExportJobs forgets the files of the jobs done before before and
// returns their names, for the caller to delete from ExportDir. The jobs
// stay done, with no file: their pages say the file was deleted and that
// the export can be made again.
func (db *DB) ExpireExportJobs(ctx context.Context, before time.Time) ([]string, error) {
	var files []string
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		files = files[:0]
		if err := db.write(ctx, tx, "export-job-expired-files").SelectContext(ctx, &files, before.UTC()); err != nil {
			return err
		}
		_, err := db.write(ctx, tx, "export-job-expire").ExecContext(ctx, before.UTC())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("expire export jobs: %w", err)
	}
	return files, nil
}

// ExportDir returns the directory export files are kept in, made if
// missing, readable by the server's user only: beside a SQLite database
// (its file name with "-exports", like its -wal file), else
// govkpi-exports in the system's temporary directory. A directory that
// others may read or enter, or that is a symbolic link, is refused: the
// files hold every department's answers.
func (db *DB) ExportDir() (string, error) {
	dir := filepath.Join(os.TempDir(), "govkpi-exports")
	if db.Dialect == SQLite && db.path != "" {
		dir = db.path + "-exports"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("exports directory: %w", err)
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return "", fmt.Errorf("exports directory: %w", err)
	}
	if !st.IsDir() || st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("exports directory %s: not a directory of this user's alone (want mode 0700)", dir)
	}
	return dir, nil
}
