package survey

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

func TestSplitPeriod(t *testing.T) {
	for _, c := range []struct {
		name, from, to string
		want           periodParts
	}{
		{"whole year", "2026-01-01", "2026-12-31", periodParts{"2026-01", "2026-12", "~", "", "~", ""}},
		{"partial both ends", "2026-01-15", "2026-04-20", periodParts{"2026-02", "2026-03", "2026-01-15", "2026-01-31", "2026-04-01", "2026-04-20"}},
		{"inside one month", "2026-03-05", "2026-03-09", periodParts{"~", "", "2026-03-05", "2026-03-09", "~", ""}},
		{"one whole month", "2026-02-01", "2026-02-28", periodParts{"2026-02", "2026-02", "~", "", "~", ""}},
		{"leap February's last day", "2024-02-01", "2024-02-29", periodParts{"2024-02", "2024-02", "~", "", "~", ""}},
		{"February not to its end", "2024-02-01", "2024-02-28", periodParts{"~", "", "2024-02-01", "2024-02-28", "~", ""}},
		{"across a year", "2025-12-31", "2026-01-31", periodParts{"2026-01", "2026-01", "2025-12-31", "2025-12-31", "~", ""}},
		{"one day", "2026-06-30", "2026-06-30", periodParts{"~", "", "2026-06-30", "2026-06-30", "~", ""}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := splitPeriod(c.from, c.to)
			if err != nil || got != c.want {
				t.Fatalf("splitPeriod(%s, %s) = %+v, %v; want %+v", c.from, c.to, got, err, c.want)
			}
		})
	}
	if _, err := splitPeriod("2026-13-01", "2026-12-31"); err == nil {
		t.Fatal("a month 13 was read")
	}
}

// Counts over any period, read from whole months and partial days, are
// what counting the ratings themselves gives, whether the ratings came one
// at a time or in a batch.
func TestRatingsByDepartmentMonths(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		a := mustDept(t, db, "LJ-A", "甲局", "city", "LJ")
		b := mustDept(t, db, "LJ-B", "乙局", "city", "LJ")
		r := rand.New(rand.NewPCG(7, 7))
		start := time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC)
		var batch []RatingInput
		for i := range 600 {
			dept := a.ID
			if i%3 == 0 {
				dept = b.ID
			}
			batch = append(batch, RatingInput{DepartmentID: dept, Channel: RatingChannels[i%4], Level: 1 + r.IntN(5),
				At: start.Add(time.Duration(r.IntN(150*24*60)) * time.Minute), Identified: i%2 == 0})
		}
		if _, err := db.StoreRatings(ctx, batch[:500], time.UTC, false); err != nil {
			t.Fatal(err)
		}
		for _, in := range batch[500:] {
			if _, err := db.AddRating(ctx, in, time.UTC); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range [][2]string{{"2026-01-01", "2026-12-31"}, {"2026-01-15", "2026-04-20"},
			{"2025-12-25", "2026-02-28"}, {"2026-03-05", "2026-03-09"}, {"2026-02-01", "2026-03-31"}, {"2027-01-01", "2027-12-31"}} {
			got, err := db.RatingsByDepartment(ctx, p[0], p[1])
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][5]int{}
			for _, in := range batch {
				day := in.At.Format(time.DateOnly)
				if day < p[0] || day > p[1] {
					continue
				}
				code := "LJ-A"
				if in.DepartmentID == b.ID {
					code = "LJ-B"
				}
				c := want[code]
				c[in.Level-1]++
				want[code] = c
			}
			if len(got) != len(want) {
				t.Fatalf("%v: %d departments counted, want %d", p, len(got), len(want))
			}
			for _, g := range got {
				c := [5]int{g.N1, g.N2, g.N3, g.N4, g.N5}
				if c != want[g.DepartmentCode] {
					t.Errorf("%v %s: %v, want %v", p, g.DepartmentCode, c, want[g.DepartmentCode])
				}
			}
		}
		months := countRows(t, db, "SELECT COUNT(*) FROM rating_rollups_monthly")
		if months < 8 || months > 12 {
			t.Fatalf("%d monthly rows for two departments over five months", months)
		}
	})
}
