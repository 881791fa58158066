package survey

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in exactly one place (ErrorStatus).
const (
	EInvalid   = "invalid"
	ENotFound  = "not_found"
	EConflict  = "conflict"
	EForbidden = "forbidden"
	EUnauth    = "unauthorized"
	ETooMany   = "too_many"
	EInternal  = "internal"
)

// Error is the one error type of the application. Message is safe to show to
// users (it is a catalogue key when Key is set); Fields carries per-field
// messages for forms; anything internal stays in the wrapped error and is only
// logged.
type Error struct {
	Code    string
	Key     string            // message catalogue key shown to the user
	Args    []any             // arguments for Key
	Fields  map[string]string // field name → catalogue key
	Wrapped error
}

func (e *Error) Error() string {
	if e.Wrapped != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Key, e.Wrapped)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Key)
}

func (e *Error) Unwrap() error { return e.Wrapped }

// Errorf returns an *Error with the code and catalogue key.
func Errorf(code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// ErrorCode returns the code of the first *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// FieldErrors is a helper to collect form validation messages.
type FieldErrors map[string]string

// Add records the first message for a field.
func (f FieldErrors) Add(field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

// Err returns an EInvalid *Error carrying the fields, or nil when empty.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Key: "err.form_invalid", Fields: f}
}
