// Package pinfile reads and writes the technicians' credential file of the
// kiosk's maintenance mode (maintenance.pin_file): one technician per line,
// "name:hash", where hash is an argon2id hash in the PHC string format
//
//	anna:$argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>
//
// The file holds no secret in the clear, but it is still refused unless only
// its owner can read it: a hash that others can copy can be guessed offline.
// Blank lines and lines starting with # are ignored.
package pinfile

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of a new hash.
type Params struct {
	Time    uint32 // passes over the memory
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultParams take about a tenth of a second on a kiosk PC: slow enough to
// make offline guessing of a copied file expensive, quick enough for a
// technician at the screen (RFC 9106's second recommended option, with
// fewer passes).
var DefaultParams = Params{Time: 3, Memory: 64 * 1024, Threads: 2}

// The bounds a hash read from the file must keep, so that a corrupt or
// hostile line cannot make the kiosk allocate gigabytes.
const (
	maxMemory = 1 << 20 // KiB, 1 GiB
	maxTime   = 16
	saltLen   = 16
	keyLen    = 32
)

// nameRe is what a technician's name may be: it goes into the audit log.
var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// ValidName reports whether name can name a technician.
func ValidName(name string) bool { return nameRe.MatchString(name) }

// Entry is one technician.
type Entry struct {
	Name string
	Hash string
	p    Params
	salt []byte
	key  []byte
}

// File is the parsed credential file.
type File struct {
	Entries []Entry
}

// CheckMode refuses a file that anyone but its owner can read or write, and
// an empty one.
func CheckMode(path string) (os.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("pinfile: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("pinfile: %s has mode %04o; it must be readable only by its owner (chmod 600)", path, fi.Mode().Perm())
	}
	if fi.Size() == 0 {
		return nil, fmt.Errorf("pinfile: %s is empty; add a technician with \"kioskctl maintenance set-pin NAME\"", path)
	}
	return fi, nil
}

// Load checks the file's mode and parses it.
func Load(path string) (*File, error) {
	if _, err := CheckMode(path); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pinfile: %w", err)
	}
	f, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("pinfile: %s: %w", path, err)
	}
	if len(f.Entries) == 0 {
		return nil, fmt.Errorf("pinfile: %s names no technician; add one with \"kioskctl maintenance set-pin NAME\"", path)
	}
	return f, nil
}

// Parse reads the lines of a credential file. A malformed line is refused
// with its line number, so the technician who edited it by hand finds it.
func Parse(b []byte) (*File, error) {
	f := &File{}
	seen := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		e, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if prev, dup := seen[e.Name]; dup {
			return nil, fmt.Errorf("line %d: technician %q is already on line %d", n, e.Name, prev)
		}
		seen[e.Name] = n
		f.Entries = append(f.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return f, nil
}

func parseLine(line string) (Entry, error) {
	name, hash, ok := strings.Cut(line, ":")
	if !ok {
		return Entry{}, errors.New(`not "name:hash"`)
	}
	if !ValidName(name) {
		return Entry{}, fmt.Errorf("name %q: use 1 to 32 letters, digits, '.', '_' or '-'", name)
	}
	e := Entry{Name: name, Hash: hash}
	// $argon2id$v=19$m=65536,t=3,p=2$salt$key
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Entry{}, errors.New("the hash is not an argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$key); make it with \"kioskctl maintenance set-pin\"")
	}
	if parts[2] != "v=19" {
		return Entry{}, fmt.Errorf("argon2 version %q: only v=19 is supported", parts[2])
	}
	var m, t, p uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		x, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Entry{}, fmt.Errorf("argon2 parameter %q is not a number", kv)
		}
		switch k {
		case "m":
			m = x
		case "t":
			t = x
		case "p":
			p = x
		default:
			return Entry{}, fmt.Errorf("unknown argon2 parameter %q", k)
		}
	}
	if m < 8 || m > maxMemory || t < 1 || t > maxTime || p < 1 || p > 255 {
		return Entry{}, fmt.Errorf("argon2 parameters m=%d,t=%d,p=%d out of bounds", m, t, p)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Entry{}, errors.New("the salt is not base64 of at least 8 bytes")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 {
		return Entry{}, errors.New("the key is not base64 of at least 16 bytes")
	}
	e.p = Params{Time: uint32(t), Memory: uint32(m), Threads: uint8(p)}
	e.salt, e.key = salt, key
	return e, nil
}

// Hash makes the PHC string of secret with a fresh salt.
func Hash(secret []byte, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("pinfile: %w", err)
	}
	key := argon2.IDKey(secret, salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Match returns the technician whose hash secret matches, or "" for none.
// Every entry is tried, so the time taken does not tell which name came
// close.
func (f *File) Match(secret []byte) string {
	found := ""
	for _, e := range f.Entries {
		k := argon2.IDKey(secret, e.salt, e.p.Time, e.p.Memory, e.p.Threads, uint32(len(e.key)))
		if subtle.ConstantTimeCompare(k, e.key) == 1 && found == "" {
			found = e.Name
		}
	}
	return found
}

// Set writes or replaces name's line in the file at path, creating the file
// with mode 0600 when it does not exist. The file is replaced atomically, so
// a kiosk reading it meanwhile sees the old or the new file, never half.
func Set(path, name string, secret []byte, p Params) error {
	if !ValidName(name) {
		return fmt.Errorf("pinfile: name %q: use 1 to 32 letters, digits, '.', '_' or '-'", name)
	}
	var lines []string
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("pinfile: %w", err)
	default:
		if _, err := CheckMode(path); err != nil && len(b) > 0 {
			return err
		}
		if _, err := Parse(b); err != nil {
			return fmt.Errorf("pinfile: %s: %w", path, err)
		}
		for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			if n, _, ok := strings.Cut(strings.TrimSpace(l), ":"); ok && n == name {
				continue
			}
			if l != "" {
				lines = append(lines, l)
			}
		}
	}
	h, err := Hash(secret, p)
	if err != nil {
		return err
	}
	lines = append(lines, name+":"+h)
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pinfile-*")
	if err != nil {
		return fmt.Errorf("pinfile: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("pinfile: %w", err)
	}
	if _, err := tmp.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("pinfile: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("pinfile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pinfile: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("pinfile: %w", err)
	}
	return nil
}
