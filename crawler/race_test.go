//go:build race

package crawler_test

// raceEnabled: the race detector slows JSON and HTML parsing about tenfold,
// so the widest tests sample their data under it.
const raceEnabled = true
