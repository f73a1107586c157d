// Command callmatch finds EU funding calls for the SMEs of a national
// cybersecurity community: it crawls the Funding & Tenders Portal, indexes
// the calls, matches them to SME profiles and mails digests.
//
//	callmatch serve [--demo]     web server, scheduled crawls and digests
//	callmatch crawl              one crawl now
//	callmatch reindex            rebuild the search index from the store
//	callmatch digest [--dry-run] send (or print) the digests that are due
//	callmatch staff add EMAIL    create an NCC staff account
//	callmatch staff reset EMAIL  new password and API token for it
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(os.Stderr, ue.Error())
			fmt.Fprint(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "callmatch:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  callmatch serve [--demo]      serve the web UI and API; crawl and send digests on schedule
  callmatch crawl               crawl the portal once now
  callmatch reindex             rebuild the search index from the store
  callmatch digest [--dry-run]  send (or only print) the digests that are due
  callmatch staff add EMAIL     create an NCC staff account
  callmatch staff reset EMAIL   give it a new password and API token (the old ones stop working)
configuration: environment variables, see README.md
`

type usageError string

func (e usageError) Error() string { return string(e) }

// run is the whole program, testable: the only place that exits is main.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("callmatch: a command is required")
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		demo := false
		for _, a := range rest {
			switch a {
			case "--demo", "-demo":
				demo = true
			default:
				return usageError("callmatch serve: unknown flag " + a)
			}
		}
		return serve(ctx, cfg, demo, logger)
	case "crawl":
		if len(rest) > 0 {
			return usageError("callmatch crawl: takes no arguments")
		}
		return crawlOnce(ctx, cfg, logger, stdout, stderr)
	case "reindex":
		if len(rest) > 0 {
			return usageError("callmatch reindex: takes no arguments")
		}
		return reindex(ctx, cfg, logger, stdout)
	case "digest":
		dry := false
		for _, a := range rest {
			switch a {
			case "--dry-run", "-dry-run":
				dry = true
			default:
				return usageError("callmatch digest: unknown flag " + a)
			}
		}
		return digestOnce(ctx, cfg, dry, logger, stdout)
	case "staff":
		if len(rest) != 2 || (rest[0] != "add" && rest[0] != "reset") {
			return usageError("callmatch staff: usage is 'callmatch staff add EMAIL' or 'callmatch staff reset EMAIL'")
		}
		return staffCredentials(ctx, cfg, rest[0], rest[1], logger, stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageError("callmatch: unknown command " + cmd)
	}
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
