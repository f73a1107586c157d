package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"callmatch/cluster"
	"callmatch/digest"
	"callmatch/match"
	"callmatch/search"
	"callmatch/server"
	"callmatch/store"
)

// purposeKey derives from the server secret a key used for one purpose only.
func purposeKey(secret []byte, purpose string) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("callmatch/" + purpose))
	return hex.EncodeToString(h.Sum(nil))
}

// unsubscribeKey is the key of the digests' unsubscribe links, derived
// from the server secret: the digest runner signs the links with it and the
// server checks them (server.Config.UnsubscribeKey). Both take it from here.
func unsubscribeKey(ctx context.Context, cfg Config, st *store.Store) (string, error) {
	secret, err := server.LoadSecret(ctx, st, cfg.SecretKey)
	if err != nil {
		return "", err
	}
	return purposeKey(secret, "unsubscribe"), nil
}

// newDigestRunner builds the digest runner over the store and the match
// lists (the matches page's: same pool, same curations); unsubKey is
// unsubscribeKey's. mailer may be nil for a dry run.
func newDigestRunner(cfg Config, st *store.Store, matches *match.Matcher, unsubKey string, mailer digest.Mailer, logger *slog.Logger) (*digest.Runner, error) {
	return digest.New(digest.Config{BaseURL: cfg.BaseURL, SecretKey: unsubKey},
		st, matches, mailer, logger)
}

func newMailer(cfg Config) (digest.Mailer, error) {
	return digest.NewMailer(cfg.SMTPURL, filepath.Join(cfg.DataDir, "outbox"))
}

// digestOnce sends (or, dry, prints) the digests that are due now. Opening
// the index syncs it with the store; when a server owns the index, matching
// runs on a throwaway index built from the store in a temporary folder.
func digestOnce(ctx context.Context, cfg Config, dry bool, logger *slog.Logger, stdout io.Writer) error {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	ix, err := search.Open(ctx, filepath.Join(cfg.DataDir, "index"), cluster.LiveCalls{Store: st}, logger)
	if errors.Is(err, search.ErrLocked) {
		tmp, terr := os.MkdirTemp("", "callmatch-digest-index-")
		if terr != nil {
			return terr
		}
		defer os.RemoveAll(tmp)
		logger.Info("A server owns the index: matching on a temporary copy built from the store")
		ix, err = search.Open(ctx, tmp, cluster.LiveCalls{Store: st}, logger)
	}
	if err != nil {
		return err
	}
	defer ix.Close()
	var mailer digest.Mailer
	if !dry {
		if mailer, err = newMailer(cfg); err != nil {
			return err
		}
	}
	key, err := unsubscribeKey(ctx, cfg, st)
	if err != nil {
		return err
	}
	r, err := newDigestRunner(cfg, st, match.New(match.Config{}, match.Deps{Index: ix, Store: st}), key, mailer, logger)
	if err != nil {
		return err
	}
	if dry {
		rep, err := r.DryRun(ctx, time.Now(), stdout)
		fmt.Fprintf(stdout, "digest --dry-run: %d due, %d would be sent, %d with nothing new\n", rep.Due, rep.Planned, rep.Empty)
		return err
	}
	rep, err := r.RunDue(ctx, time.Now())
	fmt.Fprintf(stdout, "digest: %d due, %d planned, %d sent, %d deferred, %d bounced, %d with nothing new\n",
		rep.Due, rep.Planned, rep.Sent, rep.Deferred, rep.Bounced, rep.Empty)
	return err
}
