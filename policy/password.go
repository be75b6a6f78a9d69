package policy

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
)

// An smtp_user password is kept in the policy either as it is (for a
// test bench) or, as an operator should, as a PBKDF2 hash (RFC 8018 §5.2,
// HMAC-SHA-256) in the form
//
//	pbkdf2-sha256$ITERATIONS$SALT$HASH
//
// SALT and HASH in unpadded base64 (RFC 4648 §5, URL alphabet), which
// `mixerd password` writes. The policy file then gives nothing away: the
// AUTH PLAIN password (RFC 4954) is derived again and compared.

// HashPrefix starts a hashed password.
const HashPrefix = "pbkdf2-sha256$"

// DefaultHashIterations is the PBKDF2 iteration count `mixerd password`
// uses: OWASP's recommendation for PBKDF2-HMAC-SHA256 (2023).
const DefaultHashIterations = 600_000

// The bounds of a hashed password (parseHash): at least 10,000 iterations
// (RFC 8018 §4.2 asks for 1,000 at the very least), at most 10,000,000 (an
// AUTH must not take minutes), salts of 8 to 64 bytes (§4.1), keys of 16
// to 32 (one HMAC-SHA-256 block).
const (
	hashMinIter = 10_000
	hashMaxIter = 10_000_000
)

var hashEncoding = base64.RawURLEncoding

// HashPassword hashes password with a random salt and iter iterations
// (0: DefaultHashIterations), in the form an smtp_user's password takes.
func HashPassword(password string, iter int) (string, error) {
	if iter == 0 {
		iter = DefaultHashIterations
	}
	if iter < hashMinIter || iter > hashMaxIter {
		return "", fmt.Errorf("iterations %d out of range (%d to %d)", iter, hashMinIter, hashMaxIter)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	if err != nil {
		return "", err
	}
	return HashPrefix + strconv.Itoa(iter) + "$" + hashEncoding.EncodeToString(salt) + "$" + hashEncoding.EncodeToString(key), nil
}

// parsedHash is a hashed password's parts.
type parsedHash struct {
	iter      int
	salt, key []byte
}

// parseHash reads a hashed password (HashPrefix...); ok is false for a
// password kept as it is.
func parseHash(s string) (h parsedHash, ok bool, err error) {
	rest, ok := strings.CutPrefix(s, HashPrefix)
	if !ok {
		return h, false, nil
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return h, true, errors.New("a hashed password is pbkdf2-sha256$ITERATIONS$SALT$HASH")
	}
	if h.iter, err = strconv.Atoi(parts[0]); err != nil || h.iter < hashMinIter || h.iter > hashMaxIter {
		return h, true, fmt.Errorf("hashed password: iterations %q out of range (%d to %d)", parts[0], hashMinIter, hashMaxIter)
	}
	if h.salt, err = hashEncoding.DecodeString(parts[1]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return h, true, errors.New("hashed password: the salt is not 8 to 64 bytes of unpadded base64")
	}
	// At most one HMAC-SHA-256 block: a longer key costs a PBKDF2 run
	// per block, for nothing.
	if h.key, err = hashEncoding.DecodeString(parts[2]); err != nil || len(h.key) < 16 || len(h.key) > sha256.Size {
		return h, true, errors.New("hashed password: the hash is not 16 to 32 bytes of unpadded base64")
	}
	return h, true, nil
}

// hashSlots bounds the password hashes computed at once to half the
// processors: clients trying passwords (each try a PBKDF2 run, about
// 0.1 s of CPU at the default count) wait in line rather than take every
// core from the gateway's traffic.
var hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2))

// CheckPassword says whether given is the password stored (hashed or as
// it is), comparing in constant time.
func CheckPassword(stored, given string) bool {
	h, hashed, err := parseHash(stored)
	if err != nil {
		return false
	}
	if !hashed {
		return subtle.ConstantTimeCompare([]byte(stored), []byte(given)) == 1
	}
	hashSlots <- struct{}{}
	key, err := pbkdf2.Key(sha256.New, given, h.salt, h.iter, len(h.key))
	<-hashSlots
	return err == nil && subtle.ConstantTimeCompare(key, h.key) == 1
}

// UnknownUser is what CheckPassword is given for a user that does not
// exist, when users holds hashed passwords: a hash of the same cost as
// theirs (the costliest), so that the time of a refusal does not tell
// whether the user exists. "" when no password is hashed.
func UnknownUser(users map[string]string) string {
	var worst parsedHash
	for _, stored := range users {
		if h, hashed, err := parseHash(stored); hashed && err == nil && h.iter > worst.iter {
			worst = h
		}
	}
	if worst.iter == 0 {
		return ""
	}
	// A hash no password gives in practice: a random salt and key.
	salt := make([]byte, len(worst.salt))
	key := make([]byte, len(worst.key))
	rand.Read(salt)
	rand.Read(key)
	return HashPrefix + strconv.Itoa(worst.iter) + "$" + hashEncoding.EncodeToString(salt) + "$" + hashEncoding.EncodeToString(key)
}
