package survey

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"govkpi/survey/instrument"
)

// exportJobRun makes a computed run of three departments and an
// evaluator, and returns the run's id and a context acting as the
// evaluator.
func exportJobRun(t *testing.T, db *DB) (int64, context.Context) {
	t.Helper()
	ctx := context.Background()
	mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
	for _, code := range []string{"LJ-GA", "LJ-RS"} {
		mustDept(t, db, code, code+" 局", "city", "LJ")
	}
	defaults, _ := instrument.DefaultInstruments()
	c, ids := feedCampaign(t, db, publishDefault(t, db, "self_assessment"), "SA2026", false, "LJ-GA", "LJ-RS")
	for code, id := range ids {
		if _, err := db.SubmitResponse(ctx, id, "c-"+code, completeAnswers(t, defaults["self_assessment"])); err != nil {
			t.Fatal(err)
		}
		if err := db.Review(ctx, id, ReviewApprove, ""); err != nil {
			t.Fatal(err)
		}
	}
	run, err := db.ComputeAssessment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.CreateAccount(ctx, AccountInput{Username: "evaluator", Role: RoleEvaluator, Password: "export jobs password"})
	if err != nil {
		t.Fatal(err)
	}
	return run.ID, WithActor(ctx, AuditEntry{ActorID: sql.NullInt64{Int64: a.ID, Valid: true}, ActorName: a.Username})
}

func TestExportJobStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		runID, ctx := exportJobRun(t, db)
		var finished *ExportJob // a job that ended, which the start-up step must leave alone

		t.Run("create", func(t *testing.T) {
			if _, err := db.CreateExportJob(context.Background(), ExportJobInput{RunID: runID, Lang: "en", Total: 3}); ErrorCode(err) != EInvalid {
				t.Fatalf("a job without an account: %v, want invalid", err)
			}
			if _, err := db.CreateExportJob(ctx, ExportJobInput{RunID: runID + 1000, Lang: "en", Total: 3}); ErrorCode(err) != ENotFound {
				t.Fatalf("a job of an unknown run: %v, want not found", err)
			}
			j, err := db.CreateExportJob(ctx, ExportJobInput{RunID: runID, Lang: "en", Total: 3})
			if err != nil {
				t.Fatal(err)
			}
			if j.State != ExportJobQueued || j.Done != 0 || j.Total != 3 || j.Kind != "zip" || j.CreatorName != "evaluator" ||
				j.Finished() || j.StartedAt.Valid {
				t.Fatalf("new job %+v", j)
			}
			audit, err := db.FindAudit(ctx, AuditFilter{Action: AuditExportJobCreated})
			if err != nil || len(audit) != 1 || audit[0].ActorName != "evaluator" || audit[0].ObjectID != strconv.FormatInt(runID, 10) {
				t.Fatalf("audit of the creation: %+v, %v", audit, err)
			}
			if _, err := db.FindExportJobByID(ctx, j.ID+1000); ErrorCode(err) != ENotFound {
				t.Fatalf("unknown job: %v", err)
			}
			// Left queued; the start-up step below fails it.
		})

		t.Run("claim progress finish", func(t *testing.T) {
			// The job left queued above would be claimed first.
			db.FailUnfinishedExportJobs(ctx, "err.export_job_interrupted")
			a, _ := db.CreateExportJob(ctx, ExportJobInput{RunID: runID, Lang: "zh-CN", Total: 4})
			b, _ := db.CreateExportJob(ctx, ExportJobInput{RunID: runID, Lang: "en", Total: 4})
			got, err := db.ClaimExportJob(ctx)
			if err != nil || got == nil || got.ID != a.ID || got.State != ExportJobRunning || !got.StartedAt.Valid {
				t.Fatalf("first claim: %+v, %v; want job %d running", got, err, a.ID)
			}
			// One job at a time: b waits while a runs.
			if got, err := db.ClaimExportJob(ctx); err != nil || got != nil {
				t.Fatalf("claim while a job runs: %+v, %v; want none", got, err)
			}
			if err := db.UpdateExportJobProgress(ctx, a.ID, 2); err != nil {
				t.Fatal(err)
			}
			if j, _ := db.FindExportJobByID(ctx, a.ID); j.Done != 2 || j.Total != 4 {
				t.Fatalf("progress: %d of %d", j.Done, j.Total)
			}
			if err := db.FinishExportJob(ctx, a.ID, "job-1.zip", 1234, true); err != nil {
				t.Fatal(err)
			}
			j, _ := db.FindExportJobByID(ctx, a.ID)
			if j.State != ExportJobDone || j.Done != 4 || j.File != "job-1.zip" || j.Bytes != 1234 || !j.WithoutPDF ||
				!j.FinishedAt.Valid || !j.Finished() {
				t.Fatalf("finished job %+v", j)
			}
			if err := db.FinishExportJob(ctx, a.ID, "again.zip", 1, false); ErrorCode(err) != EConflict {
				t.Fatalf("finishing a finished job: %v, want conflict", err)
			}
			// Progress on a finished job changes nothing.
			db.UpdateExportJobProgress(ctx, a.ID, 1)
			if j, _ := db.FindExportJobByID(ctx, a.ID); j.Done != 4 {
				t.Fatalf("progress after the end: %d", j.Done)
			}
			got, err = db.ClaimExportJob(ctx)
			if err != nil || got == nil || got.ID != b.ID {
				t.Fatalf("claim after the first ended: %+v, %v; want job %d", got, err, b.ID)
			}
			if err := db.FailExportJob(ctx, b.ID, "err.export_job_failed"); err != nil {
				t.Fatal(err)
			}
			j, _ = db.FindExportJobByID(ctx, b.ID)
			if j.State != ExportJobFailed || j.Error != "err.export_job_failed" || !j.FinishedAt.Valid {
				t.Fatalf("failed job %+v", j)
			}
			if got, err := db.ClaimExportJob(ctx); err != nil || got != nil {
				t.Fatalf("claim with nothing queued: %+v, %v", got, err)
			}
			finished = j
		})

		t.Run("fail unfinished on start", func(t *testing.T) {
			queued, _ := db.CreateExportJob(ctx, ExportJobInput{RunID: runID, Lang: "en", Total: 2})
			running, _ := db.CreateExportJob(ctx, ExportJobInput{RunID: runID, Lang: "en", Total: 2})
			if j, _ := db.ClaimExportJob(ctx); j == nil || j.ID != queued.ID {
				t.Fatalf("claimed %+v, want job %d", j, queued.ID)
			}
			n, err := db.FailUnfinishedExportJobs(ctx, "err.export_job_interrupted")
			if err != nil || n != 2 {
				t.Fatalf("failed %d jobs (%v), want the running and the queued one", n, err)
			}
			for _, id := range []int64{queued.ID, running.ID} {
				j, _ := db.FindExportJobByID(ctx, id)
				if j.State != ExportJobFailed || j.Error != "err.export_job_interrupted" {
					t.Fatalf("job %d after start-up: %+v", id, j)
				}
			}
			if finished == nil {
				t.Fatal("no finished job from the subtest above")
			}
			if j, _ := db.FindExportJobByID(ctx, finished.ID); j.State != ExportJobFailed || j.Error != "err.export_job_failed" ||
				!j.FinishedAt.Time.Equal(finished.FinishedAt.Time) {
				t.Fatalf("a finished job changed at start-up: %+v, was %+v", j, finished)
			}
			// The user starts again: a new job runs.
			again, _ := db.CreateExportJob(ctx, ExportJobInput{RunID: runID, Lang: "en", Total: 2})
			if j, err := db.ClaimExportJob(ctx); err != nil || j == nil || j.ID != again.ID {
				t.Fatalf("claim after the restart: %+v, %v", j, err)
			}
		})

		t.Run("directory", func(t *testing.T) {
			dir, err := db.ExportDir()
			if err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(dir)
			if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
				t.Fatalf("exports directory %s: %v, %v", dir, st.Mode(), err)
			}
			if db.Dialect == SQLite && (filepath.Dir(dir) != filepath.Dir(db.path) || !strings.HasSuffix(dir, "-exports")) {
				t.Fatalf("exports directory %s is not beside the database %s", dir, db.path)
			}
			if db.Dialect == SQLite {
				os.Chmod(dir, 0o755)
				if _, err := db.ExportDir(); err == nil {
					t.Fatal("a directory others may read was accepted")
				}
				os.Chmod(dir, 0o700)
			}
		})
	})
}
