package survey

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func shanghaiZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDefaultCalendarMatchesNotice checks the 2026 data against the weekdays
// printed in 国务院办公厅关于2026年部分节假日安排的通知, which catches a
// mistyped day.
func TestDefaultCalendarMatchesNotice(t *testing.T) {
	c := DefaultCalendar()
	if n := len(c.Holidays()); n != 3+9+3+5+3+3+7 {
		t.Errorf("%d holidays, want 33", n)
	}
	wantMakeups := []Date{{2026, 1, 4}, {2026, 2, 14}, {2026, 2, 28}, {2026, 5, 9}, {2026, 9, 20}, {2026, 10, 10}}
	if got := c.MakeupWorkdays(); !slices.Equal(got, wantMakeups) {
		t.Errorf("make-up days %v, want %v", got, wantMakeups)
	}
	printed := []struct {
		d       Date
		weekday time.Weekday
		work    bool
	}{
		{Date{2026, 1, 1}, time.Thursday, false},
		{Date{2026, 1, 3}, time.Saturday, false},
		{Date{2026, 1, 4}, time.Sunday, true},
		{Date{2026, 2, 14}, time.Saturday, true},
		{Date{2026, 2, 15}, time.Sunday, false},
		{Date{2026, 2, 23}, time.Monday, false},
		{Date{2026, 2, 28}, time.Saturday, true},
		{Date{2026, 4, 4}, time.Saturday, false},
		{Date{2026, 4, 6}, time.Monday, false},
		{Date{2026, 5, 1}, time.Friday, false},
		{Date{2026, 5, 5}, time.Tuesday, false},
		{Date{2026, 5, 9}, time.Saturday, true},
		{Date{2026, 6, 19}, time.Friday, false},
		{Date{2026, 6, 21}, time.Sunday, false},
		{Date{2026, 9, 20}, time.Sunday, true},
		{Date{2026, 9, 25}, time.Friday, false},
		{Date{2026, 9, 27}, time.Sunday, false},
		{Date{2026, 10, 1}, time.Thursday, false},
		{Date{2026, 10, 7}, time.Wednesday, false},
		{Date{2026, 10, 10}, time.Saturday, true},
	}
	for _, p := range printed {
		if p.d.Weekday() != p.weekday {
			t.Errorf("%s is a %s, the notice says %s", p.d, p.d.Weekday(), p.weekday)
		}
		if got := c.isWorkdate(p.d); got != p.work {
			t.Errorf("%s working day = %v, want %v", p.d, got, p.work)
		}
	}
}

func TestIsWorkday(t *testing.T) {
	sh := shanghaiZone(t)
	c := DefaultCalendar()
	cases := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"ordinary Tuesday", time.Date(2026, 3, 10, 9, 0, 0, 0, sh), true},
		{"ordinary Saturday", time.Date(2026, 3, 14, 9, 0, 0, 0, sh), false},
		{"make-up Saturday 2026-02-14", time.Date(2026, 2, 14, 9, 0, 0, 0, sh), true},
		{"make-up Sunday 2026-09-20", time.Date(2026, 9, 20, 9, 0, 0, 0, sh), true},
		{"holiday Monday 2026-04-06 (清明)", time.Date(2026, 4, 6, 9, 0, 0, 0, sh), false},
		{"holiday Thursday 2026-10-01", time.Date(2026, 10, 1, 9, 0, 0, 0, sh), false},
		{"first nanosecond of a Saturday", time.Date(2026, 3, 14, 0, 0, 0, 0, sh), false},
		{"last nanosecond of a Friday", time.Date(2026, 3, 13, 23, 59, 59, 999_999_999, sh), true},
		// 17:00 UTC on Friday 30 January is 01:00 on Saturday in Shanghai.
		{"UTC Friday, Shanghai Saturday", time.Date(2026, 1, 30, 17, 0, 0, 0, time.UTC), false},
		// 20:00 UTC on Sunday 1 February is 04:00 on Monday in Shanghai.
		{"UTC Sunday, Shanghai Monday", time.Date(2026, 2, 1, 20, 0, 0, 0, time.UTC), true},
		{"year with no data: weekday", time.Date(2027, 3, 10, 9, 0, 0, 0, sh), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.IsWorkday(tc.at); got != tc.want {
				t.Fatalf("IsWorkday(%s) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestAddWorkdays(t *testing.T) {
	sh := shanghaiZone(t)
	c := DefaultCalendar()
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, sh) }
	cases := []struct {
		name  string
		start time.Time
		n     int
		want  Date // due at the end of this day, Shanghai time
	}{
		{"Friday evening + 1 is Monday", at(2026, 3, 6, 20), 1, Date{2026, 3, 9}},
		{"Friday morning + 1 is Monday too: the start day never counts", at(2026, 3, 6, 8), 1, Date{2026, 3, 9}},
		{"Monday + 5 is next Monday", at(2026, 3, 9, 10), 5, Date{2026, 3, 16}},
		{"Saturday + 1 is Monday", at(2026, 3, 7, 10), 1, Date{2026, 3, 9}},
		{"n = 0 is due the same day", at(2026, 3, 7, 10), 0, Date{2026, 3, 7}},
		{"negative n is due the same day", at(2026, 3, 7, 10), -3, Date{2026, 3, 7}},
		{"make-up Saturday counts", at(2026, 2, 13, 16), 1, Date{2026, 2, 14}},
		{"make-up Sunday counts", at(2026, 9, 18, 16), 1, Date{2026, 9, 20}},
		{"holiday Monday does not count (清明)", at(2026, 4, 3, 16), 1, Date{2026, 4, 7}},
		{"across 春节: Feb 14 班, then 15–23 休", at(2026, 2, 13, 16), 2, Date{2026, 2, 24}},
		{"opened on a 春节 holiday", at(2026, 2, 20, 11), 1, Date{2026, 2, 24}},
		{"across 国庆: Oct 8, 9, then the make-up Saturday 10", at(2026, 9, 30, 9), 3, Date{2026, 10, 10}},
		{"across 元旦 into the make-up Sunday", at(2025, 12, 31, 9), 1, Date{2026, 1, 4}},
		// Hand count for 15 working days from Friday 6 February 2026:
		//  1 Mon 9,  2 Tue 10,  3 Wed 11,  4 Thu 12,  5 Fri 13,
		//  6 Sat 14 (班), Sun 15 – Mon 23 休 (春节),
		//  7 Tue 24,  8 Wed 25,  9 Thu 26, 10 Fri 27, 11 Sat 28 (班),
		//    Sun 1 March rests, 12 Mon 2, 13 Tue 3, 14 Wed 4, 15 Thu 5 March.
		{"15 working days over 春节", at(2026, 2, 6, 15), DefaultRectificationDays, Date{2026, 3, 5}},
		// Hand count for 15 working days from Wednesday 23 September 2026:
		//  1 Thu 24, Fri 25 – Sun 27 休 (中秋), 2 Mon 28, 3 Tue 29, 4 Wed 30,
		//  Thu 1 – Wed 7 October 休 (国庆), 5 Thu 8, 6 Fri 9, 7 Sat 10 (班),
		//  Sun 11 rests, 8 Mon 12, 9 Tue 13, 10 Wed 14, 11 Thu 15, 12 Fri 16,
		//  13 Mon 19, 14 Tue 20, 15 Wed 21 October.
		{"15 working days over 中秋 and 国庆", at(2026, 9, 23, 10), 15, Date{2026, 10, 21}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := c.AddWorkdays(tc.start, tc.n)
			want := time.Date(tc.want.Year, tc.want.Month, tc.want.Day, 23, 59, 59, 999_999_999, sh)
			if !got.Equal(want) {
				t.Fatalf("AddWorkdays(%s, %d) = %s, want %s", tc.start, tc.n, got, want)
			}
			if got.Location() != c.Location() {
				t.Fatalf("due time in %s, want %s", got.Location(), c.Location())
			}
		})
	}
}

// TestWorkdaysShanghaiDate: what counts is the civil date in Shanghai, not
// in the zone the time happens to be written in.
func TestWorkdaysShanghaiDate(t *testing.T) {
	sh := shanghaiZone(t)
	c := DefaultCalendar()
	endOf := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 59, 999_999_999, sh) }

	// 2026-01-30T17:00Z is Saturday 31 January 01:00 in Shanghai: due at the
	// end of Monday 2 February, which is 15:59:59.999999999 UTC.
	due := c.AddWorkdays(time.Date(2026, 1, 30, 17, 0, 0, 0, time.UTC), 1)
	if !due.Equal(endOf(2026, 2, 2)) || due.UTC().Format(time.RFC3339Nano) != "2026-02-02T15:59:59.999999999Z" {
		t.Errorf("ticket at 2026-01-30T17:00Z due %s", due)
	}
	// 2026-01-29T16:30Z is still Thursday in UTC but Friday 00:30 in
	// Shanghai, so the ticket is due on Monday, not on Friday.
	due = c.AddWorkdays(time.Date(2026, 1, 29, 16, 30, 0, 0, time.UTC), 1)
	if !due.Equal(endOf(2026, 2, 2)) {
		t.Errorf("ticket at 2026-01-29T16:30Z due %s, want end of 2026-02-02 in Shanghai", due)
	}
	// 2026-01-29T15:59Z is Thursday 23:59 in Shanghai: due on Friday.
	due = c.AddWorkdays(time.Date(2026, 1, 29, 15, 59, 0, 0, time.UTC), 1)
	if !due.Equal(endOf(2026, 1, 30)) {
		t.Errorf("ticket at 2026-01-29T15:59Z due %s, want end of 2026-01-30 in Shanghai", due)
	}
	// Friday 30 January 23:00 Shanghai to Tuesday 3 February 00:30 Shanghai
	// (still Monday in UTC): Monday and Tuesday, 2 working days.
	a := time.Date(2026, 1, 30, 15, 0, 0, 0, time.UTC)
	b := time.Date(2026, 2, 2, 16, 30, 0, 0, time.UTC)
	if n := c.WorkdaysBetween(a, b); n != 2 {
		t.Errorf("WorkdaysBetween(%s, %s) = %d, want 2", a, b, n)
	}
}

func TestWorkdaysBetween(t *testing.T) {
	sh := shanghaiZone(t)
	c := DefaultCalendar()
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, sh) }
	cases := []struct {
		name string
		a, b time.Time
		want int
	}{
		{"same instant", at(2026, 3, 9, 10), at(2026, 3, 9, 10), 0},
		{"same day, different hours", at(2026, 3, 9, 1), at(2026, 3, 9, 23), 0},
		{"Friday to Monday", at(2026, 3, 6, 18), at(2026, 3, 9, 9), 1},
		{"Saturday to Sunday", at(2026, 3, 7, 9), at(2026, 3, 8, 9), 0},
		{"one ordinary week", at(2026, 3, 9, 9), at(2026, 3, 16, 9), 5},
		{"across 春节 with the make-up Saturday", at(2026, 2, 13, 9), at(2026, 2, 24, 9), 2},
		{"inside the 国庆 holiday", at(2026, 10, 1, 9), at(2026, 10, 7, 9), 0},
		{"across 国庆 into the make-up Saturday", at(2026, 9, 30, 9), at(2026, 10, 10, 9), 3},
		{"due instant to the next day", c.AddWorkdays(at(2026, 3, 6, 18), 1), at(2026, 3, 10, 0), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.WorkdaysBetween(tc.a, tc.b); got != tc.want {
				t.Fatalf("WorkdaysBetween(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := c.WorkdaysBetween(tc.b, tc.a); got != -tc.want {
				t.Fatalf("WorkdaysBetween(%s, %s) = %d, want %d", tc.b, tc.a, got, -tc.want)
			}
		})
	}
}

// TestWorkdaysInverse: counting the working days up to a due date gives back
// the n that produced it, for every start across 2026's holidays.
func TestWorkdaysInverse(t *testing.T) {
	sh := shanghaiZone(t)
	c := DefaultCalendar()
	for start := time.Date(2025, 12, 20, 14, 0, 0, 0, sh); start.Year() < 2027; start = start.AddDate(0, 0, 1) {
		for _, n := range []int{0, 1, 2, 5, 15, 30} {
			due := c.AddWorkdays(start, n)
			if got := c.WorkdaysBetween(start, due); got != n {
				t.Fatalf("start %s, n %d: due %s is %d working days on", start, n, due, got)
			}
			if n > 0 && !c.IsWorkday(due) {
				t.Fatalf("start %s, n %d: due %s is not a working day", start, n, due)
			}
		}
	}
}

func TestNewCalendarRefuses(t *testing.T) {
	cases := []struct {
		name     string
		holidays []Date
		makeups  []Date
		mention  string
	}{
		{"both holiday and make-up", []Date{{2026, 1, 3}, {2026, 1, 4}}, []Date{{2026, 1, 4}}, "2026-01-04"},
		{"make-up on a weekday", nil, []Date{{2026, 1, 5}}, "2026-01-05"},
		{"impossible holiday", []Date{{2026, 2, 30}}, nil, "2026-02-30"},
		{"impossible make-up", nil, []Date{{2026, 13, 1}}, "2026-13-01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCalendar(tc.holidays, tc.makeups)
			if c != nil || ErrorCode(err) != EInvalid {
				t.Fatalf("got %v, %v; want an %s error", c, err, EInvalid)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error %q does not name %s", err, tc.mention)
			}
		})
	}
	if _, err := NewCalendar([]Date{{2026, 1, 1}, {2026, 1, 1}}, nil); err != nil {
		t.Fatalf("a repeated holiday refused: %v", err)
	}
}

func TestParseCalendar(t *testing.T) {
	text := "\ufeff# 2026 节假日\r\n" +
		"\r\n" +
		"2026-01-01 休\r\n" +
		"2026-01-02 Holiday   # 元旦\n" +
		"  2026-01-04\tWORKDAY\n" +
		"2026-01-03　休\n" + // ideographic space
		"2026-02-14 班 # 春节调休\n"
	c, err := ParseCalendar(text)
	if err != nil {
		t.Fatal(err)
	}
	wantHolidays := []Date{{2026, 1, 1}, {2026, 1, 2}, {2026, 1, 3}}
	wantMakeups := []Date{{2026, 1, 4}, {2026, 2, 14}}
	if !slices.Equal(c.Holidays(), wantHolidays) || !slices.Equal(c.MakeupWorkdays(), wantMakeups) {
		t.Fatalf("holidays %v make-ups %v", c.Holidays(), c.MakeupWorkdays())
	}
	empty, err := ParseCalendar("# nothing yet\n\n")
	if err != nil || len(empty.Holidays())+len(empty.MakeupWorkdays()) != 0 {
		t.Fatalf("empty calendar: %v %v", empty, err)
	}
}

func TestParseCalendarErrors(t *testing.T) {
	text := strings.Join([]string{
		"# 2026",                        // 1
		"2026-01-01 休",                  // 2
		"2026-02-30 休",                  // 3 no such day
		"2026-01-04 班",                  // 4
		"2026-01-05 放",                  // 5 unknown kind
		"2026-01-01 班",                  // 6 already 休 on line 2
		"2026-01-06 班",                  // 7 a Tuesday
		"2026-01-10",                    // 8 no kind
		"2026-01-11 holiday extra",      // 9 too many fields
		"",                              // 10
		"2026/01/12 休",                  // 11 wrong separator
		"2026-1-13 休",                   // 12 no leading zero
		"2026-01-04 班 # the same again", // 13 repeated
	}, "\n")
	_, err := ParseCalendar(text)
	if ErrorCode(err) != EInvalid {
		t.Fatalf("code %q (%v), want %s", ErrorCode(err), err, EInvalid)
	}
	var bad CalendarLineErrors
	if !errors.As(err, &bad) {
		t.Fatalf("%v carries no CalendarLineErrors", err)
	}
	want := []struct {
		line    int
		mention string
	}{
		{3, "2026-02-30"},
		{5, "放"},
		{6, "line 2"},
		{7, "Tuesday"},
		{8, "休 or 班"},
		{9, "休 or 班"},
		{11, "2026/01/12"},
		{12, "2026-1-13"},
		{13, "line 4"},
	}
	if len(bad) != len(want) {
		t.Fatalf("%d bad lines, want %d: %v", len(bad), len(want), bad)
	}
	for i, w := range want {
		if bad[i].Line != w.line || !strings.Contains(bad[i].Reason, w.mention) {
			t.Errorf("bad line %d: got %+v, want line %d mentioning %q", i, bad[i], w.line, w.mention)
		}
	}
	if bad[0].Text != "2026-02-30 休" {
		t.Errorf("bad line text %q", bad[0].Text)
	}
}

func TestCalendarTextRoundTrip(t *testing.T) {
	c := DefaultCalendar()
	text := c.Text()
	for _, line := range []string{"2026-01-04 班 # 周日", "2026-10-01 休 # 周四", "\n# 2026\n"} {
		if !strings.Contains(text, line) {
			t.Errorf("text lacks %q:\n%s", line, text)
		}
	}
	back, err := ParseCalendar(text)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Holidays(), c.Holidays()) || !slices.Equal(back.MakeupWorkdays(), c.MakeupWorkdays()) {
		t.Fatalf("round trip changed the calendar:\n%s", back.Text())
	}
	if back.Text() != text {
		t.Fatalf("text not stable:\n%s\nthen\n%s", text, back.Text())
	}

	two, err := NewCalendar([]Date{{2027, 1, 1}, {2026, 12, 31}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := two.Text(); !strings.Contains(got, "2026-12-31 休 # 周四\n\n# 2027\n2027-01-01 休 # 周五\n") {
		t.Errorf("years not separated:\n%s", got)
	}
}
