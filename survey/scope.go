package survey

import "net/http"

// CanSeeDepartment reports whether a may read department deptID's data: the
// assessment office and evaluators see every department, an official only
// their own. Routes carry roles; this is the per-object check that handlers
// of department data must make as well.
func CanSeeDepartment(a *Account, deptID int64) bool {
	switch {
	case a == nil:
		return false
	case a.Role == RoleAdmin || a.Role == RoleEvaluator:
		return true
	case a.Role == RoleOfficial:
		return a.DepartmentID.Valid && a.DepartmentID.Int64 == deptID
	}
	return false
}

// CanChangeDepartment reports whether a may write department deptID's data
// (answers, rectifications): an official for their own department, the
// assessment office for any; evaluators only read.
func CanChangeDepartment(a *Account, deptID int64) bool {
	return a != nil && a.Role != RoleEvaluator && CanSeeDepartment(a, deptID)
}

// requireDepartment returns EForbidden, and audits the refusal, when the
// signed-in account may not use department deptID's data in the way write
// says.
func (s *Server) requireDepartment(r *http.Request, deptID int64, write bool) error {
	a := CurrentAccount(r.Context())
	ok := CanSeeDepartment(a, deptID)
	if write {
		ok = CanChangeDepartment(a, deptID)
	}
	if ok {
		return nil
	}
	s.auditRefusal(r, "department", itoa(deptID), r.Method+" "+r.URL.Path)
	return Errorf(EForbidden, "err.forbidden")
}
