// Command crosscheck type-checks every package of the module, with its
// tests, for other GOOS/GOARCH targets from source: the check that
// `sandboxtest` and everything else an integrator imports compiles on
// macOS and Windows, without compiling the module once per target.
//
// A cross `go build` or `go vet` per target compiles every package of the
// module again for that target (~30 s each after a change on 2 cores);
// type-checking is what catches what breaks on another OS (a Linux-only
// field such as SysProcAttr.Pdeathsig, a Unix-only call such as
// syscall.Kill, a file with the wrong build constraint) and takes a few
// seconds per target, with a cold build cache too: the standard library
// and the modules outside ours are type-checked from their sources for
// the target as well (declarations only, function bodies skipped), so
// nothing is compiled. Every package of the module is then vetted for the
// target with go vet's own analyzers (vet.go), so a finding in a
// _windows.go file fails here as `GOOS=windows go vet` would.
//
//	go run ./internal/crosscheck darwin/amd64 windows/arm64
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crosscheck GOOS/GOARCH... (checks ./... of the module in the current directory)")
		os.Exit(2)
	}
	type result struct {
		problems []string
		err      error
	}
	targets := os.Args[1:]
	results := make([]result, len(targets))
	for _, target := range targets {
		if goos, goarch, ok := strings.Cut(target, "/"); !ok || goos == "" || goarch == "" {
			fmt.Fprintf(os.Stderr, "crosscheck: %q is not GOOS/GOARCH\n", target)
			os.Exit(2)
		}
	}
	// Targets are independent: checked side by side, one per CPU.
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, target := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			goos, goarch, _ := strings.Cut(target, "/")
			problems, err := check(".", goos, goarch, "./...")
			results[i] = result{problems, err}
		}()
	}
	wg.Wait()
	failed := false
	for i, target := range targets {
		r := results[i]
		if r.err != nil {
			fmt.Fprintf(os.Stderr, "crosscheck %s: %v\n", target, r.err)
			os.Exit(1)
		}
		for _, p := range r.problems {
			fmt.Fprintf(os.Stderr, "%s: %s\n", target, p)
		}
		if len(r.problems) > 0 {
			failed = true
			continue
		}
		fmt.Printf("crosscheck %s: ok (type-checked and vetted)\n", target)
	}
	if failed {
		os.Exit(1)
	}
}

// listed is the part of `go list -json` the check reads.
type listed struct {
	ImportPath string
	Name       string
	Dir        string
	GoFiles    []string
	CgoFiles   []string
	ImportMap  map[string]string
	Standard   bool
	Module     *struct{ Path, GoVersion string }
	Error      *struct{ Err string }
}

// check type-checks the packages matching pattern in the module at dir,
// their tests and the module packages they depend on for goos/goarch,
// returning one line per type error.
func check(dir, goos, goarch, pattern string) ([]string, error) {
	env := append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	mainModule, err := goCmd(dir, env, "list", "-m", "-f", "{{.Path}}")
	if err != nil {
		return nil, err
	}
	mod := strings.TrimSpace(string(mainModule))
	out, err := goCmd(dir, env, "list", "-e", "-deps", "-test",
		"-json=ImportPath,Name,Dir,GoFiles,CgoFiles,ImportMap,Standard,Module,Error", pattern)
	if err != nil {
		return nil, err
	}
	all, err := decode(out)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	vet := newVetter(fset)
	checked := map[string]*types.Package{}
	var problems []string
	// go list -deps prints dependencies before the packages needing them,
	// so one pass in order type-checks everything, the standard library
	// and modules outside ours too (their declarations only: function
	// bodies cannot change what our packages see).
	for _, p := range all {
		if p.ImportPath == "unsafe" || p.ImportPath == "C" {
			continue
		}
		ours := p.Module != nil && p.Module.Path == mod
		if ours && p.Name == "main" && strings.HasSuffix(p.ImportPath, ".test") {
			continue // the generated test main
		}
		if p.Error != nil {
			problems = append(problems, p.Error.Err)
			continue
		}
		if len(p.CgoFiles) > 0 {
			problems = append(problems, p.ImportPath+": uses cgo, which cross builds leave out")
		}
		mode := parser.SkipObjectResolution
		if ours {
			mode |= parser.ParseComments // directives and build tags, for vet
		}
		files := make([]*ast.File, 0, len(p.GoFiles))
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, mode)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			files = append(files, f)
		}
		conf := types.Config{
			Importer: importFunc(func(path string) (*types.Package, error) {
				if path == "unsafe" {
					return types.Unsafe, nil
				}
				id := path
				if mapped, ok := p.ImportMap[path]; ok {
					id = mapped
				}
				if pkg, ok := checked[id]; ok {
					return pkg, nil
				}
				return nil, fmt.Errorf("%s was not checked (see the errors above)", id)
			}),
			IgnoreFuncBodies: !ours,
			Sizes:            types.SizesFor("gc", goarch),
			Error:            func(err error) { problems = append(problems, err.Error()) },
		}
		if p.Module != nil && p.Module.GoVersion != "" {
			conf.GoVersion = "go" + p.Module.GoVersion
		}
		var info *types.Info
		if ours {
			info = newInfo()
		}
		before := len(problems)
		pkg, _ := conf.Check(strings.Fields(p.ImportPath)[0], fset, files, info)
		checked[p.ImportPath] = pkg
		if ours && len(problems) == before {
			// go vet's analyzers for this target, on what type-checked.
			found, err := vet.vet(pkg, files, info, conf.Sizes, &analysis.Module{Path: p.Module.Path, GoVersion: p.Module.GoVersion})
			if err != nil {
				return nil, err
			}
			problems = append(problems, found...)
		}
	}
	return problems, nil
}

type importFunc func(path string) (*types.Package, error)

func (f importFunc) Import(path string) (*types.Package, error) { return f(path) }

func decode(out []byte) ([]listed, error) {
	var all []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return all, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading go list: %w", err)
		}
		all = append(all, p)
	}
}

func goCmd(dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v\n%s", strings.Join(args[:1], " "), err, stderr.String())
	}
	return out, nil
}
