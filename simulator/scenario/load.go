package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sandbox-dev/fintech-sandbox/simulator/apierr"
)

// Error is one problem in a scenario file, with its position.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found, one per line as file:line:col: message.
type ErrorList []Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// vocab indexes a Vocabulary for validation and matching.
type vocab struct {
	ops     map[string]*Operation
	vendors map[string]bool
	catalog *apierr.Catalog
	events  []string // the webhook event paths, sorted, without duplicates
}

func newVocab(v Vocabulary) *vocab {
	vc := &vocab{ops: map[string]*Operation{}, vendors: map[string]bool{}, catalog: v.Catalog}
	if vc.catalog == nil {
		vc.catalog, _ = apierr.NewCatalog()
	}
	for i := range v.Operations {
		op := &v.Operations[i]
		vc.ops[op.ID] = op
		vc.vendors[op.Vendor] = true
	}
	for _, ev := range v.Events {
		vc.events = append(vc.events, ev.Path)
	}
	slices.Sort(vc.events)
	vc.events = slices.Compact(vc.events)
	return vc
}

// checkOperation explains why an operation pattern is unknown ("" if fine).
func (v *vocab) checkOperation(id string) string {
	if id == "" || id == "*" {
		return ""
	}
	if vendor, ok := strings.CutSuffix(id, ".*"); ok {
		if !v.vendors[vendor] {
			return fmt.Sprintf("unknown vendor %q in operation %q", vendor, id)
		}
		return ""
	}
	if v.ops[id] == nil {
		ids := make([]string, 0, len(v.ops))
		for k := range v.ops {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		return fmt.Sprintf("unknown operation %q (known: %s)", id, strings.Join(ids, ", "))
	}
	return ""
}

// Parse compiles the scenarios of one file (one YAML document per
// scenario, separated by ---). Every problem is reported, with positions.
func Parse(file string, data []byte, v Vocabulary) ([]*Scenario, error) {
	return ParseFiles(v, File{Name: file, Data: data})
}

// File is one scenario file: its name as errors show it, and its text.
type File struct {
	Name string
	Data []byte
}

// ParseFiles compiles files as one set: every problem of every file, with
// positions, and any name defined twice among them.
func ParseFiles(v Vocabulary, files ...File) ([]*Scenario, error) {
	return parseFiles(newVocab(v), files)
}

func parseFiles(vc *vocab, files []File) ([]*Scenario, error) {
	var out []*Scenario
	var errs ErrorList
	first := map[string]*Scenario{}
	for _, f := range files {
		scs, ferrs := parse(f.Name, f.Data, vc)
		errs = append(errs, ferrs...)
		for _, sc := range scs {
			if prev, dup := first[sc.Name]; dup && sc.Name != "" {
				errs = append(errs, Error{File: f.Name, Msg: fmt.Sprintf("scenario %s defined twice (%s and %s)", sc.Name, prev.Source, sc.Source)})
				continue
			}
			first[sc.Name] = sc
			out = append(out, sc)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// parse compiles one file, returning what it could compile beside every
// problem (so a name defined twice is reported with the other mistakes).
func parse(file string, data []byte, vc *vocab) ([]*Scenario, ErrorList) {
	p := &parser{file: file, vocab: vc}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*Scenario
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.errs = append(p.errs, yamlError(file, data, err))
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		if sc := p.scenario(doc.Content[0]); sc != nil {
			out = append(out, sc)
		}
	}
	if len(out) == 0 && len(p.errs) == 0 {
		// An editor that truncates before writing shows a reload an empty
		// file for a moment; accepting it would unload the file's scenarios
		// and make the empty version the "last good" one.
		p.errs = append(p.errs, Error{File: file, Line: 1, Col: 1, Msg: "no scenario in this file (an empty file is refused: delete it instead)"})
	}
	return out, p.errs
}

// yamlError turns a yaml.v3 syntax error into an Error on the line where
// the error is (see syntaxLine); yaml.v3 gives no column, so it is 1.
func yamlError(file string, data []byte, err error) Error {
	line, msg := yamlMessage(err.Error())
	if l := syntaxLine(data, err); l > 0 {
		line = l
	}
	return Error{File: file, Line: max(line, 1), Col: 1, Msg: msg}
}

// yamlMessage splits a yaml.v3 error message into the line it names (0
// when none) and the problem.
func yamlMessage(s string) (int, string) {
	msg := strings.TrimPrefix(s, "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		_, msg, _ = strings.Cut(msg, ": ")
		return line, msg
	}
	return 0, msg
}

// syntaxLine finds the line of the syntax error err that decoding data
// stopped at (0 if it cannot). The line in yaml.v3's message cannot be
// used as it is: for a construct that started on the first line there is
// none (and none for bad bytes or an unknown anchor), a parser error names
// a 0-based line, and an error with a context names the line where the
// context began (the document's mapping, for a stray token far below it).
//
// yaml.v3 reads a stream in order, so the line of an error is the first
// line whose inclusion, with everything above it, makes decoding fail
// with the same message; syntaxLine searches for it among the prefixes of
// data that end at a line end. Every decode gets a blank line first, so
// that a context on the first line is named in the message like any other
// and two failures at different places differ.
func syntaxLine(data []byte, err error) int {
	decode := func(b []byte) string { return decodeError(append([]byte{'\n'}, b...)) }
	want := decode(data)
	if _, msg := yamlMessage(err.Error()); want == "" || !strings.HasSuffix(want, msg) {
		return 0 // a decode of the shifted text fails differently (a UTF-16 file): no position
	}
	ends := lineEnds(data)
	fails := func(line int) bool { return decode(data[:ends[line-1]]) == want }
	// The error cannot be above what the message names (a context starts
	// before its problem): with the blank line, that is at most 2 above.
	shifted, _ := yamlMessage(want)
	lo := min(max(shifted-2, 1), len(ends))
	// Near that line, one line at a time: there, prefixes can fail the same
	// way, then not, then again (a bracket never closed: cut after its
	// first line, after a comma inside it, at the end of the file).
	const near = 32
	for line := lo; line < min(lo+near, len(ends)); line++ {
		if fails(line) {
			return line
		}
	}
	// Further down, the context is an enclosing mapping, and a prefix that
	// ends in it fails the same way from the error's line on: bisect.
	from := min(lo+near, len(ends))
	return from + sort.Search(len(ends)-from, func(i int) bool { return fails(from + i) })
}

// decodeError is the error decoding every document of data stops at ("").
func decodeError(data []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			return ""
		} else if err != nil {
			return err.Error()
		}
	}
}

// lineEnds lists, for each line of data, the offset just past its line
// break (\n, \r\n or \r; the end of data for a last line without one).
func lineEnds(data []byte) []int {
	var ends []int
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '\r':
			if i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
		case '\n':
		default:
			continue
		}
		ends = append(ends, i+1)
	}
	if len(ends) == 0 || ends[len(ends)-1] < len(data) {
		ends = append(ends, len(data))
	}
	return ends
}

// Set is an immutable, validated catalog of scenarios, keyed by name.
type Set struct {
	list    []*Scenario
	byName  map[string]*Scenario
	skipped []Error
}

// Lookup finds a scenario by name.
func (s *Set) Lookup(name string) (*Scenario, bool) {
	sc, ok := s.byName[name]
	return sc, ok
}

// All lists the scenarios sorted by name.
func (s *Set) All() []*Scenario { return append([]*Scenario(nil), s.list...) }

// Len is the number of scenarios.
func (s *Set) Len() int { return len(s.list) }

// Skipped lists the entries named like scenario files that were not read
// because they are not regular files (see ReadFilesSkipping).
func (s *Set) Skipped() []Error { return slices.Clone(s.skipped) }

// LoadFS reads every *.yaml / *.yml file of each layer in turn (the
// embedded catalog first, then --scenarios DIR): a scenario of a later layer
// replaces the one of the same name, so a user can override a shipped
// scenario. Within one layer a name must be unique.
func LoadFS(v Vocabulary, layers ...Layer) (*Set, error) {
	vc := newVocab(v)
	set := &Set{byName: map[string]*Scenario{}}
	var errs ErrorList
	for _, l := range layers {
		files, skipped, err := ReadFilesSkipping(l.FS, l.Name)
		if err != nil {
			return nil, err
		}
		set.skipped = append(set.skipped, skipped...)
		scs, err := parseFiles(vc, files)
		var el ErrorList
		if errors.As(err, &el) {
			errs = append(errs, el...)
			continue
		}
		for _, sc := range scs {
			set.byName[sc.Name] = sc
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	for _, sc := range set.byName {
		set.list = append(set.list, sc)
	}
	sort.Slice(set.list, func(i, j int) bool { return set.list[i].Name < set.list[j].Name })
	return set, nil
}

// Layer is one source of scenario files; Name prefixes file names in
// errors and Source positions (e.g. the directory given to --scenarios).
type Layer struct {
	Name string
	FS   fs.FS
}

// ReadFiles reads the scenario files (*.yaml, *.yml; hidden ones skipped)
// of fsys in name order, naming each prefix/path as errors will show it.
// Entries that are not regular files are left out (ReadFilesSkipping
// says which).
func ReadFiles(fsys fs.FS, prefix string) ([]File, error) {
	files, _, err := ReadFilesSkipping(fsys, prefix)
	return files, err
}

// ReadFilesSkipping is ReadFiles that also returns the entries named like
// scenario files it did not read because they are not regular files: a
// named pipe would block the read until something writes to it (forever,
// for a watcher), a device can be endless. Each is an Error naming the
// file, with no position.
func ReadFilesSkipping(fsys fs.FS, prefix string) ([]File, []Error, error) {
	entries, err := scenarioEntries(fsys)
	if err != nil {
		return nil, nil, err
	}
	var files []File
	var skipped []Error
	for _, e := range entries {
		name := path.Join(prefix, e.path)
		if e.irregular != "" {
			skipped = append(skipped, Error{File: name, Msg: "skipped: not a regular file (" + e.irregular + ")"})
			continue
		}
		data, err := fs.ReadFile(fsys, e.path)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, File{Name: name, Data: data})
	}
	return files, skipped, nil
}

// entry is an entry of a layer named like a scenario file.
type entry struct {
	path      string // in the layer
	irregular string // what it is when it is not a regular file ("" when it is)
}

// scenarioEntries lists the entries of fsys named like scenario files
// (*.yaml, *.yml; hidden entries skipped) in name order, without opening
// any: the directory entry gives the type, and a symbolic link is
// followed with a stat (which does not block on a named pipe).
func scenarioEntries(fsys fs.FS) ([]entry, error) {
	var out []entry
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case strings.HasPrefix(d.Name(), ".") && p != ".":
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case d.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml"):
			return nil
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			info, err := fs.Stat(fsys, p)
			if err != nil {
				return err
			}
			mode = info.Mode()
		}
		out = append(out, entry{path: p, irregular: irregular(mode)})
		return nil
	})
	return out, err
}

// irregular names what a file of the given mode is when it is not a
// regular file ("" when it is).
func irregular(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return ""
	case mode&fs.ModeNamedPipe != 0:
		return "named pipe"
	case mode&fs.ModeSocket != 0:
		return "socket"
	case mode&fs.ModeCharDevice != 0:
		return "character device"
	case mode&fs.ModeDevice != 0:
		return "device"
	case mode.IsDir():
		return "directory"
	default:
		return "irregular file"
	}
}
