package survey

import (
	"io/fs"
	"testing/fstest"
)

// testFS is an in-memory file system for parser tests.
type testFS map[string]string

func (m testFS) Open(name string) (fs.File, error) {
	mfs := fstest.MapFS{}
	for k, v := range m {
		mfs[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return mfs.Open(name)
}
