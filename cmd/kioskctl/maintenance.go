package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/danbib/kiosk/kiosk"
	"github.com/danbib/kiosk/pinfile"
)

func init() {
	register("maintenance set-pin", "write or replace a technician's PIN in the maintenance PIN file (asks twice, never echoes)", runSetPIN)
	register("audit", "print the maintenance audit log in the state dir", runAudit)
}

// minCredential is the shortest PIN or passphrase set-pin accepts: with
// three tries per lockout, six digits leave a guesser a million to one.
const minCredential = 6

// stdin is where set-pin reads the PIN; tests replace it.
var stdin io.Reader = os.Stdin

func runSetPIN(args []string, out io.Writer) error {
	fs := newFlagSet("maintenance set-pin", out)
	file := fs.String("file", "/etc/kiosk/maintenance-pin", "the PIN file (maintenance.pin_file); created with mode 0600")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: kioskctl maintenance set-pin [-file FILE] NAME\n\n"+
			"Asks twice for NAME's PIN or passphrase (at least %d characters, never echoed) and\n"+
			"writes NAME's argon2id hash into FILE, replacing an earlier one. The running kiosk\n"+
			"reads the changed file at the next try; no restart is needed.\n\nflags:\n", minCredential)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("name the technician: kioskctl maintenance set-pin NAME")
	}
	name := fs.Arg(0)
	if !pinfile.ValidName(name) {
		return fmt.Errorf("name %q: use 1 to 32 letters, digits, '.', '_' or '-'", name)
	}
	in := bufio.NewReader(stdin)
	first, err := readSecret(in, out, "PIN for "+name+": ")
	if err != nil {
		return err
	}
	defer clear(first)
	if len(first) < minCredential {
		return fmt.Errorf("the PIN must have at least %d characters", minCredential)
	}
	second, err := readSecret(in, out, "Again: ")
	if err != nil {
		return err
	}
	defer clear(second)
	if string(first) != string(second) {
		return errors.New("the two PINs differ; nothing was written")
	}
	if err := pinfile.Set(*file, name, first, pinfile.DefaultParams); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: PIN for %s written\n", *file, name)
	return nil
}

// readSecret prompts and reads one line; on a terminal it turns echo off
// while the line is typed.
func readSecret(in *bufio.Reader, out io.Writer, prompt string) ([]byte, error) {
	fmt.Fprint(out, prompt)
	if f, ok := stdin.(*os.File); ok {
		if t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			quiet := *t
			quiet.Lflag &^= unix.ECHO
			if err := unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, &quiet); err == nil {
				defer func() {
					_ = unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
					fmt.Fprintln(out)
				}()
			}
		}
	}
	line, err := in.ReadBytes('\n')
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		return nil, fmt.Errorf("reading the PIN: %w", err)
	}
	return []byte(strings.TrimRight(string(line), "\r\n")), nil
}

func runAudit(args []string, out io.Writer) error {
	fs := newFlagSet("audit", out)
	dir := fs.String("dir", kiosk.DefaultOptions().StateDir, "the kiosk's state directory")
	asJSON := fs.Bool("json", false, "print the JSON lines as stored")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fi, err := os.Stat(*dir); err != nil {
		return fmt.Errorf("state directory: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("state directory %s is not a directory", *dir)
	}
	entries, err := kiosk.ReadAudit(*dir)
	for _, e := range entries {
		if *asJSON {
			via := ""
			if e.Via != "" && e.UID != nil {
				via = fmt.Sprintf(",\"via\":%q,\"uid\":%d", e.Via, *e.UID)
			}
			fmt.Fprintf(out, "{\"time\":%q,\"kiosk\":%q,\"tech\":%q,\"action\":%q,\"result\":%q,\"detail\":%q%s}\n",
				e.Time.Format("2006-01-02T15:04:05.000Z07:00"), e.Kiosk, e.Tech, e.Action, e.Result, e.Detail, via)
			continue
		}
		tech := e.Tech
		if e.Via != "" && e.UID != nil {
			// A control-socket caller: who is the user id the kernel
			// reported.
			tech = fmt.Sprintf("%s:uid=%d", e.Via, *e.UID)
		}
		if tech == "" {
			tech = "-"
		}
		fmt.Fprintf(out, "%s  %-10s %-16s %-18s %s\n", e.Time.Local().Format("2006-01-02 15:04:05"), tech, e.Action, e.Result, e.Detail)
	}
	if len(entries) == 0 && err == nil {
		fmt.Fprintln(out, "audit log: empty")
	}
	return err
}
