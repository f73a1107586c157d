//go:build !unix

package search

import "time"

// dirLock is a no-op where flock does not exist; bolt's own lock (with its
// timeout) still keeps a second process out of an open index.
type dirLock struct{}

func lockDir(string, time.Duration) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) unlock() error { return nil }
