package config

import (
	"net/url"
	"path/filepath"
	"time"
)

// Update is the update client's section ([update], issue 16). It is off
// unless url is set; `kioskctl update BUNDLE` works either way.
type Update struct {
	// URL of the signed RAUC bundle to poll, https:// (or http://: the
	// bundle is signed, but a token is then refused); "" polls nothing.
	URL string `toml:"url"`
	// At is the daily poll's time of day in the kiosk's zone, "02:30".
	At string `toml:"at"`
	// CAFile pins the update server's CA instead of the system roots.
	CAFile string `toml:"ca_file"`
	// TokenFile holds a bearer token sent to the server, readable only by
	// its owner.
	TokenFile string `toml:"token_file"`
	// Dir is where bundles are downloaded: on the data partition.
	Dir string `toml:"dir"`
	// MarkGoodWithin is how long after start a new slot has to prove good
	// (READY, watchdog fed, library system answering) before it is not
	// marked good and the boot loader falls back.
	MarkGoodWithin Duration `toml:"mark_good_within"`
}

func defaultUpdate() Update {
	return Update{At: "02:30", Dir: "/var/lib/kiosk/update", MarkGoodWithin: Duration{10 * time.Minute}}
}

// PollAt is the poll's time of day after midnight.
func (u Update) PollAt() time.Duration {
	d, _ := clock(u.At)
	return d
}

// resolve makes the file paths absolute against base.
func (u *Update) resolve(base string) {
	u.CAFile, u.TokenFile = resolve(base, u.CAFile), resolve(base, u.TokenFile)
}

func (u Update) validate() []error {
	var errs []error
	if u.URL != "" {
		p, err := url.Parse(u.URL)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			errs = append(errs, &Error{"update.url", u.URL, `an http(s) URL of a RAUC bundle, or "" for no polling`})
		} else if p.Scheme == "http" && u.TokenFile != "" {
			errs = append(errs, &Error{"update.url", u.URL, "https:// when update.token_file is set: the token must not travel in clear"})
		}
	}
	if _, err := clock(u.At); err != nil {
		errs = append(errs, &Error{"update.at", u.At, `a time of day such as "02:30"`})
	}
	if !filepath.IsAbs(u.Dir) {
		errs = append(errs, &Error{"update.dir", u.Dir, "an absolute path on the data partition"})
	}
	if w := u.MarkGoodWithin.Duration; w < time.Minute || w > time.Hour {
		errs = append(errs, &Error{"update.mark_good_within", u.MarkGoodWithin, "between 1m and 1h"})
	}
	if u.TokenFile != "" {
		if err := checkSecretFile(u.TokenFile); err != nil {
			errs = append(errs, &Error{"update.token_file", u.TokenFile, err.Error()})
		}
	}
	return errs
}
