-- name: batch-savepoint
-- Each write of a group commit runs inside its own savepoint, so one that
-- fails is undone without touching the others in the same transaction.
SAVEPOINT batch_job

-- name: batch-rollback
ROLLBACK TO batch_job

-- name: batch-release
RELEASE batch_job
