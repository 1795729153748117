package pinfile

import (
	"os"
	"sync"
)

// Cache holds the parsed file and reads it again when it changed on disk
// (size, time or inode), so a technician's PIN can be rotated without
// restarting the kiosk.
type Cache struct {
	Path string

	mu sync.Mutex
	fi os.FileInfo
	f  *File
}

// Get returns the current file. A file that became unreadable, readable by
// others or malformed is an error: the old credentials are not used then,
// because the change may be the very rotation that revoked one.
func (c *Cache) Get() (*File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fi, err := CheckMode(c.Path)
	if err != nil {
		c.f, c.fi = nil, nil
		return nil, err
	}
	if c.f != nil && c.fi != nil && os.SameFile(fi, c.fi) && fi.Size() == c.fi.Size() && fi.ModTime().Equal(c.fi.ModTime()) {
		return c.f, nil
	}
	f, err := Load(c.Path)
	if err != nil {
		c.f, c.fi = nil, nil
		return nil, err
	}
	c.f, c.fi = f, fi
	return f, nil
}
