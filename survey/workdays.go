package survey

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rectification tickets opened by bad ratings (差评) fall due after a number
// of working days. China's working days are Monday to Friday, minus the public
// holidays, plus the make-up working days (调休上班) that the State Council
// moves onto weekends. This file holds that calendar as plain data; storing
// the admin's edits is the store's business.

// DefaultRectificationDays is how many working days a rectification ticket
// has unless the campaign says otherwise.
const DefaultRectificationDays = 15

// Date is a civil date (a day on the wall calendar, not an instant). It is
// comparable, so it serves as a map key.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate reads a date written YYYY-MM-DD and refuses impossible ones
// such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

// String writes d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// utcNoon is d as an instant that no calendar arithmetic can push onto a
// neighbouring day.
func (d Date) utcNoon() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// valid reports whether d names a real day (Date{2026, 2, 30} does not).
func (d Date) valid() bool {
	return DateOf(d.utcNoon(), time.UTC) == d
}

// AddDays returns the date n days after d (before it when n is negative).
func (d Date) AddDays(n int) Date {
	return DateOf(d.utcNoon().AddDate(0, 0, n), time.UTC)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.utcNoon().Weekday()
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	return d.utcNoon().Compare(e.utcNoon())
}

func isWeekend(d Date) bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// chinaTime is the zone whose civil dates the calendar uses. The binary
// embeds the zone database; the fixed offset is only a fallback, and it is
// exact because China has kept UTC+8 without daylight saving since 1991.
func chinaTime() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}

// Calendar is China's working-day calendar: weekdays are working days unless
// listed as holidays, weekend days are rest days unless listed as make-up
// working days. Dates are civil dates in Asia/Shanghai, whatever the zone of
// the times passed in. A Calendar is not changed after construction, so it
// may be shared between goroutines.
type Calendar struct {
	loc      *time.Location
	holidays map[Date]bool
	makeups  map[Date]bool
}

// NewCalendar builds a calendar from its holidays and make-up working days.
// It returns an EInvalid *Error naming the date when a date is impossible,
// is both a holiday and a make-up day, or is a make-up day that falls on a
// weekday (where it would change nothing, so it is surely a typing mistake).
// Repeated dates are harmless.
func NewCalendar(holidays, makeups []Date) (*Calendar, error) {
	c := &Calendar{loc: chinaTime(), holidays: map[Date]bool{}, makeups: map[Date]bool{}}
	for _, d := range holidays {
		if !d.valid() {
			return nil, calendarError(fmt.Errorf("new calendar: holiday %04d-%02d-%02d is not a real date", d.Year, d.Month, d.Day))
		}
		c.holidays[d] = true
	}
	for _, d := range makeups {
		switch {
		case !d.valid():
			return nil, calendarError(fmt.Errorf("new calendar: make-up working day %04d-%02d-%02d is not a real date", d.Year, d.Month, d.Day))
		case c.holidays[d]:
			return nil, calendarError(fmt.Errorf("new calendar: %s is both a holiday and a make-up working day", d))
		case !isWeekend(d):
			return nil, calendarError(fmt.Errorf("new calendar: make-up working day %s is a %s, already a working day", d, d.Weekday()))
		}
		c.makeups[d] = true
	}
	return c, nil
}

// calendarError wraps a calendar refusal in the application's error type;
// the wrapped error says which date is wrong.
func calendarError(err error) error {
	return &Error{Code: EInvalid, Key: "err.form_invalid", Wrapped: err}
}

// Location returns the zone whose civil dates the calendar counts.
func (c *Calendar) Location() *time.Location { return c.loc }

// Holidays returns the holidays in date order.
func (c *Calendar) Holidays() []Date { return sortedDates(c.holidays) }

// MakeupWorkdays returns the make-up working days in date order.
func (c *Calendar) MakeupWorkdays() []Date { return sortedDates(c.makeups) }

func sortedDates(set map[Date]bool) []Date {
	ds := make([]Date, 0, len(set))
	for d := range set {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, Date.Compare)
	return ds
}

// IsWorkday reports whether the civil date of t in Asia/Shanghai is a
// working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	return c.isWorkdate(DateOf(t, c.loc))
}

func (c *Calendar) isWorkdate(d Date) bool {
	switch {
	case c.holidays[d]:
		return false
	case c.makeups[d]:
		return true
	}
	return !isWeekend(d)
}

// AddWorkdays returns when a ticket opened at start with n working days is
// due: the last nanosecond (23:59:59.999999999, Asia/Shanghai) of the n-th
// working day after start's civil date. Start's own day never counts, even
// when the ticket is opened at 08:00 on a working day, so a ticket opened on
// a Friday evening with n = 1 is due at the end of the next working day.
// The end of the day, not midnight after it, is returned so that the due
// instant prints as the due date and "now.After(due)" means overdue.
// When n < 1 the ticket is due at the end of start's own day.
func (c *Calendar) AddWorkdays(start time.Time, n int) time.Time {
	d := DateOf(start, c.loc)
	for n > 0 {
		d = d.AddDays(1)
		if c.isWorkdate(d) {
			n--
		}
	}
	return time.Date(d.Year, d.Month, d.Day, 23, 59, 59, 999_999_999, c.loc)
}

// WorkdaysBetween counts the working days after a's civil date up to and
// including b's: with a a ticket's due time and b now, it is how many
// working days the ticket is overdue. When b's date is before a's the count
// is negative, so WorkdaysBetween(a, b) == -WorkdaysBetween(b, a); on the
// same date it is 0.
func (c *Calendar) WorkdaysBetween(a, b time.Time) int {
	from, to := DateOf(a, c.loc), DateOf(b, c.loc)
	sign := 1
	if from.Compare(to) > 0 {
		from, to, sign = to, from, -1
	}
	n := 0
	for d := from.AddDays(1); d.Compare(to) <= 0; d = d.AddDays(1) {
		if c.isWorkdate(d) {
			n++
		}
	}
	return sign * n
}

// holidayArrangement is one festival of a State Council notice: the days off
// (the rest days inside the range included) and the weekend days worked.
type holidayArrangement struct {
	name     string
	from, to Date
	makeups  []Date
}

// DefaultCalendar returns the calendar of the State Council's notice
// 国务院办公厅关于2026年部分节假日安排的通知 (issued 4 November 2025,
// published by Xinhua the same day). Admins extend it each year from the
// new notice through the text form (ParseCalendar).
func DefaultCalendar() *Calendar {
	arrangements := []holidayArrangement{
		{"元旦", Date{2026, 1, 1}, Date{2026, 1, 3}, []Date{{2026, 1, 4}}},
		{"春节", Date{2026, 2, 15}, Date{2026, 2, 23}, []Date{{2026, 2, 14}, {2026, 2, 28}}},
		{"清明节", Date{2026, 4, 4}, Date{2026, 4, 6}, nil},
		{"劳动节", Date{2026, 5, 1}, Date{2026, 5, 5}, []Date{{2026, 5, 9}}},
		{"端午节", Date{2026, 6, 19}, Date{2026, 6, 21}, nil},
		{"中秋节", Date{2026, 9, 25}, Date{2026, 9, 27}, nil},
		{"国庆节", Date{2026, 10, 1}, Date{2026, 10, 7}, []Date{{2026, 9, 20}, {2026, 10, 10}}},
	}
	var holidays, makeups []Date
	for _, a := range arrangements {
		for d := a.from; d.Compare(a.to) <= 0; d = d.AddDays(1) {
			holidays = append(holidays, d)
		}
		makeups = append(makeups, a.makeups...)
	}
	c, err := NewCalendar(holidays, makeups)
	if err != nil {
		panic(fmt.Sprintf("default calendar: %v", err)) // the data above is wrong; a test catches it
	}
	return c
}

// Calendar text form, one date a line: "2026-10-01 休" or "2026-10-10 班";
// "holiday" and "workday" are accepted for 休 and 班, "#" starts a comment.
const (
	kindHoliday = "休"
	kindWorkday = "班"
)

// CalendarLineError is one bad line of the calendar text form.
type CalendarLineError struct {
	Line   int    // 1-based
	Text   string // the line as written, trimmed
	Reason string
}

// CalendarLineErrors lists every bad line of a calendar text, in line order.
type CalendarLineErrors []CalendarLineError

func (es CalendarLineErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "line %d %q: %s", e.Line, e.Text, e.Reason)
	}
	return b.String()
}

// ParseCalendar reads the text form an admin edits (see Calendar.Text). On
// bad input it returns an EInvalid *Error wrapping CalendarLineErrors, which
// callers reach with errors.As to show every bad line with its number.
// A date given as both 休 and 班 is reported on its second line.
func ParseCalendar(text string) (*Calendar, error) {
	var holidays, makeups []Date
	var bad CalendarLineErrors
	seen := map[Date]int{} // date → the line that first gave it
	// Windows Notepad may start the file with a byte-order mark.
	text = strings.TrimPrefix(text, "\ufeff")
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		content, _, _ := strings.Cut(line, "#")
		fields := strings.Fields(content) // also splits on the ideographic space
		if len(fields) == 0 {
			continue
		}
		fail := func(format string, args ...any) {
			bad = append(bad, CalendarLineError{Line: n, Text: strings.TrimSpace(line), Reason: fmt.Sprintf(format, args...)})
		}
		if len(fields) != 2 {
			fail("want a date and 休 or 班, such as \"2026-10-01 休\"")
			continue
		}
		d, err := ParseDate(fields[0])
		if err != nil {
			fail("%q is not a date written YYYY-MM-DD", fields[0])
			continue
		}
		var holiday bool
		switch strings.ToLower(fields[1]) {
		case kindHoliday, "holiday":
			holiday = true
		case kindWorkday, "workday":
		default:
			fail("%q is neither 休 (holiday) nor 班 (workday)", fields[1])
			continue
		}
		if first, ok := seen[d]; ok {
			fail("%s is already given on line %d", d, first)
			continue
		}
		seen[d] = n
		if holiday {
			holidays = append(holidays, d)
			continue
		}
		if !isWeekend(d) {
			fail("%s is a %s, already a working day: only weekend days can be 班", d, d.Weekday())
			continue
		}
		makeups = append(makeups, d)
	}
	if len(bad) > 0 {
		return nil, calendarError(bad)
	}
	return NewCalendar(holidays, makeups)
}

// Text writes c in the form ParseCalendar reads, dates in order, a blank
// line between years, each date with its weekday as a comment so an admin
// can check that every 班 falls on a weekend.
func (c *Calendar) Text() string {
	type entry struct {
		d    Date
		kind string
	}
	var es []entry
	for d := range c.holidays {
		es = append(es, entry{d, kindHoliday})
	}
	for d := range c.makeups {
		es = append(es, entry{d, kindWorkday})
	}
	slices.SortFunc(es, func(a, b entry) int { return a.d.Compare(b.d) })
	weekdays := [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}
	var b strings.Builder
	b.WriteString("# 每行一个日期：休 = 放假，班 = 调休上班（周末上班）。\n")
	for i, e := range es {
		if i == 0 || e.d.Year != es[i-1].d.Year {
			fmt.Fprintf(&b, "\n# %d\n", e.d.Year)
		}
		fmt.Fprintf(&b, "%s %s # %s\n", e.d, e.kind, weekdays[e.d.Weekday()])
	}
	return b.String()
}
