package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"callmatch/store"
)

var credentialsRe = regexp.MustCompile(`Password:\s+(\S+)\nAPI token: (\S+)`)

// TestStaffAddAndReset runs `callmatch staff add` and `staff reset` as an
// operator would, and checks what each printed opens the account.
func TestStaffAddAndReset(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"DATA_DIR": dir, "LOG_LEVEL": "error"}[k] }
	ctx := context.Background()
	staff := func(args ...string) (password, token string) {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append([]string{"staff"}, args...), env, &out, &bytes.Buffer{}); err != nil {
			t.Fatalf("callmatch staff %v: %v", args, err)
		}
		m := credentialsRe.FindStringSubmatch(out.String())
		if m == nil {
			t.Fatalf("callmatch staff %v printed no credentials:\n%s", args, out.String())
		}
		return m[1], m[2]
	}
	opens := func(password, token string) (byPassword, byToken bool) {
		t.Helper()
		st, err := store.Open(ctx, "", dir, discardLogger())
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		acc, err := st.StaffByEmail(ctx, "anna@ncc.example.be")
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(token))
		_, err = st.StaffByTokenHash(ctx, hex.EncodeToString(sum[:]))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return bcrypt.CompareHashAndPassword([]byte(acc.PasswordHash), []byte(password)) == nil, err == nil
	}

	oldPassword, oldToken := staff("add", "Anna@ncc.example.be")
	if p, tk := opens(oldPassword, oldToken); !p || !tk {
		t.Fatalf("the printed credentials do not open the new account: password %v, token %v", p, tk)
	}
	if err := run(ctx, []string{"staff", "add", "anna@ncc.example.be"}, env, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("a second staff add of the same e-mail succeeded")
	}
	newPassword, newToken := staff("reset", "anna@ncc.example.be")
	if newPassword == oldPassword || newToken == oldToken {
		t.Fatal("reset printed the old credentials")
	}
	if p, tk := opens(newPassword, newToken); !p || !tk {
		t.Errorf("the new credentials do not open the account: password %v, token %v", p, tk)
	}
	if p, tk := opens(oldPassword, oldToken); p || tk {
		t.Errorf("the old credentials still open the account: password %v, token %v", p, tk)
	}
	if err := run(ctx, []string{"staff", "reset", "nobody@ncc.example.be"}, env, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("reset of an unknown e-mail succeeded")
	}
}
