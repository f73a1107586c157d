package search

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
	"callmatch/store/storetest"
)

// BenchmarkSearchVsPostgres runs the same searches, one by one, against
// callmatch's index and against PostgreSQL full-text search over the same
// 10,000 calls, side by side in one run: a GIN index over a weighted
// tsvector (title A, keywords B, the main sections C, the rest D), ranked by
// ts_rank_cd, the first 20 and the count. PostgreSQL comes from
// TEST_DATABASE_URL (a schema of its own, dropped afterwards).
//
//	go test -run '^$' -bench SearchVsPostgres -benchtime 2000x ./search
func BenchmarkSearchVsPostgres(b *testing.B) {
	ix := benchIndex(b)
	db, err := sql.Open("pgx", storetest.NewPostgresSchema(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := loadPostgres(ctx, db, tenThousandCalls(b)); err != nil {
		b.Fatal(err)
	}
	texts := pgBenchTexts
	b.Run("callmatch", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if _, err := ix.Search(ctx, Query{Text: texts[i%len(texts)], Now: testNow}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		reportLatencies(b, lat)
	})
	b.Run("postgres", func(b *testing.B) {
		stmt, err := db.PrepareContext(ctx, `SELECT id, ts_rank_cd(doc, q) AS rank, count(*) OVER () AS total
			FROM calls, websearch_to_tsquery('english', $1) q WHERE doc @@ q ORDER BY rank DESC LIMIT 20`)
		if err != nil {
			b.Fatal(err)
		}
		defer stmt.Close()
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			rows, err := stmt.QueryContext(ctx, texts[i%len(texts)])
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id string
				var rank float64
				var total int
				if err := rows.Scan(&id, &rank, &total); err != nil {
					b.Fatal(err)
				}
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
			rows.Close()
			lat = append(lat, time.Since(start))
		}
		reportLatencies(b, lat)
	})
}

// pgBenchTexts are the texts of the mix of searches (benchQueries) and
// more that people type: words, business words, French and Dutch.
var pgBenchTexts = []string{
	"cybersecurity", "post-quantum cryptography", `"incident response"`, "artificial intelligence health",
	"hydrogen storage", "climate adaptation regions", "quantom", "SME innovation",
	"security of critical infrastructure", "data spaces cloud edge", "malware analysis",
	"protecting satellites from hackers", "securing hospital networks", "kwantumveilige versleuteling",
	"détection d'intrusion", "digital twins", "battery recycling", "cyber range", "phishing", "6G",
}

func loadPostgres(ctx context.Context, db *sql.DB, calls []funding.Call) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE calls (id text PRIMARY KEY, doc tsvector NOT NULL)`); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO calls (id, doc) VALUES ($1,
		setweight(to_tsvector('english', $2), 'A') || setweight(to_tsvector('english', $3), 'B') ||
		setweight(to_tsvector('english', $4), 'C') || setweight(to_tsvector('english', $5), 'D'))`)
	if err != nil {
		return err
	}
	for i := range calls {
		d := newDocument(&calls[i])
		main := strings.Join([]string{d.Outcome, d.Scope, d.Objective, d.Impact}, "\n")
		rest := strings.Join(append(d.Body, d.Conditions...), "\n")
		if _, err := stmt.ExecContext(ctx, calls[i].ID, d.Title, strings.Join(d.Keywords, ", "), main, rest); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, q := range []string{`CREATE INDEX calls_doc ON calls USING gin (doc)`, `ANALYZE calls`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
