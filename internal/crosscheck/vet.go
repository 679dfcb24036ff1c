package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"reflect"
	"sort"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/appends"
	"golang.org/x/tools/go/analysis/passes/assign"
	"golang.org/x/tools/go/analysis/passes/atomic"
	"golang.org/x/tools/go/analysis/passes/bools"
	"golang.org/x/tools/go/analysis/passes/buildtag"
	"golang.org/x/tools/go/analysis/passes/composite"
	"golang.org/x/tools/go/analysis/passes/copylock"
	"golang.org/x/tools/go/analysis/passes/defers"
	"golang.org/x/tools/go/analysis/passes/directive"
	"golang.org/x/tools/go/analysis/passes/errorsas"
	"golang.org/x/tools/go/analysis/passes/hostport"
	"golang.org/x/tools/go/analysis/passes/httpresponse"
	"golang.org/x/tools/go/analysis/passes/ifaceassert"
	"golang.org/x/tools/go/analysis/passes/loopclosure"
	"golang.org/x/tools/go/analysis/passes/lostcancel"
	"golang.org/x/tools/go/analysis/passes/nilfunc"
	"golang.org/x/tools/go/analysis/passes/printf"
	"golang.org/x/tools/go/analysis/passes/shift"
	"golang.org/x/tools/go/analysis/passes/sigchanyzer"
	"golang.org/x/tools/go/analysis/passes/slog"
	"golang.org/x/tools/go/analysis/passes/stdmethods"
	"golang.org/x/tools/go/analysis/passes/stdversion"
	"golang.org/x/tools/go/analysis/passes/stringintconv"
	"golang.org/x/tools/go/analysis/passes/structtag"
	"golang.org/x/tools/go/analysis/passes/testinggoroutine"
	"golang.org/x/tools/go/analysis/passes/tests"
	"golang.org/x/tools/go/analysis/passes/timeformat"
	"golang.org/x/tools/go/analysis/passes/unmarshal"
	"golang.org/x/tools/go/analysis/passes/unreachable"
	"golang.org/x/tools/go/analysis/passes/unsafeptr"
	"golang.org/x/tools/go/analysis/passes/unusedresult"
	"golang.org/x/tools/go/analysis/passes/waitgroup"
)

// vetSuite is cmd/vet's suite (go1.26) less the analyzers that read
// assembly or cgo (asmdecl, framepointer, cgocall): the module has
// neither, and crosscheck loads no non-Go files.
var vetSuite = []*analysis.Analyzer{
	appends.Analyzer, assign.Analyzer, atomic.Analyzer, bools.Analyzer,
	buildtag.Analyzer, composite.Analyzer, copylock.Analyzer, defers.Analyzer,
	directive.Analyzer, errorsas.Analyzer, httpresponse.Analyzer, hostport.Analyzer,
	ifaceassert.Analyzer, loopclosure.Analyzer, lostcancel.Analyzer, nilfunc.Analyzer,
	printf.Analyzer, shift.Analyzer, sigchanyzer.Analyzer, slog.Analyzer,
	stdmethods.Analyzer, stdversion.Analyzer, stringintconv.Analyzer, structtag.Analyzer,
	testinggoroutine.Analyzer, tests.Analyzer, timeformat.Analyzer, unmarshal.Analyzer,
	unreachable.Analyzer, unsafeptr.Analyzer, unusedresult.Analyzer, waitgroup.Analyzer,
}

// newInfo is the type information the analyzers read.
func newInfo() *types.Info {
	return &types.Info{
		Types:        map[ast.Expr]types.TypeAndValue{},
		Instances:    map[*ast.Ident]types.Instance{},
		Defs:         map[*ast.Ident]types.Object{},
		Uses:         map[*ast.Ident]types.Object{},
		Implicits:    map[ast.Node]types.Object{},
		Selections:   map[*ast.SelectorExpr]*types.Selection{},
		Scopes:       map[ast.Node]*types.Scope{},
		FileVersions: map[*ast.File]string{},
	}
}

// factKey names one fact: of an object (nil for a package fact) or a
// package, of one fact type.
type factKey struct {
	obj types.Object
	pkg *types.Package
	t   reflect.Type
}

// vetter runs the suite over the module's packages in dependency order,
// as go vet does per package, with facts (printf wrappers, functions that
// never return) handed from a package to those importing it. Packages
// outside the module are not analyzed: like go vet's output, only the
// module's findings count.
type vetter struct {
	fset  *token.FileSet
	facts map[factKey]analysis.Fact
	seen  map[string]bool // findings already reported (a package and its test variant share files)
}

func newVetter(fset *token.FileSet) *vetter {
	return &vetter{fset: fset, facts: map[factKey]analysis.Fact{}, seen: map[string]bool{}}
}

// vet analyzes one type-checked package and returns its findings as
// "file:line:col: message (analyzer)".
func (v *vetter) vet(pkg *types.Package, files []*ast.File, info *types.Info, sizes types.Sizes, mod *analysis.Module) ([]string, error) {
	results := map[*analysis.Analyzer]any{}
	var out []string
	var run func(a *analysis.Analyzer) error
	run = func(a *analysis.Analyzer) error {
		if _, done := results[a]; done {
			return nil
		}
		for _, req := range a.Requires {
			if err := run(req); err != nil {
				return err
			}
		}
		pass := &analysis.Pass{
			Analyzer:   a,
			Fset:       v.fset,
			Files:      files,
			Pkg:        pkg,
			TypesInfo:  info,
			TypesSizes: sizes,
			Module:     mod,
			ResultOf:   map[*analysis.Analyzer]any{},
			ReadFile:   os.ReadFile,
			Report: func(d analysis.Diagnostic) {
				line := fmt.Sprintf("%s: %s (%s)", v.fset.Position(d.Pos), d.Message, a.Name)
				if !v.seen[line] {
					v.seen[line] = true
					out = append(out, line)
				}
			},
			ImportObjectFact:  func(obj types.Object, f analysis.Fact) bool { return v.get(factKey{obj: obj, t: reflect.TypeOf(f)}, f) },
			ImportPackageFact: func(p *types.Package, f analysis.Fact) bool { return v.get(factKey{pkg: p, t: reflect.TypeOf(f)}, f) },
			ExportObjectFact:  func(obj types.Object, f analysis.Fact) { v.facts[factKey{obj: obj, t: reflect.TypeOf(f)}] = f },
			ExportPackageFact: func(f analysis.Fact) { v.facts[factKey{pkg: pkg, t: reflect.TypeOf(f)}] = f },
			AllObjectFacts: func() []analysis.ObjectFact {
				var all []analysis.ObjectFact
				for k, f := range v.facts {
					if k.obj != nil && k.obj.Pkg() == pkg {
						all = append(all, analysis.ObjectFact{Object: k.obj, Fact: f})
					}
				}
				return all
			},
			AllPackageFacts: func() []analysis.PackageFact {
				var all []analysis.PackageFact
				for k, f := range v.facts {
					if k.obj == nil && k.pkg != nil {
						all = append(all, analysis.PackageFact{Package: k.pkg, Fact: f})
					}
				}
				return all
			},
		}
		for _, req := range a.Requires {
			pass.ResultOf[req] = results[req]
		}
		res, err := a.Run(pass)
		if err != nil {
			return fmt.Errorf("%s: vet %s: %v", pkg.Path(), a.Name, err)
		}
		results[a] = res
		return nil
	}
	for _, a := range vetSuite {
		if err := run(a); err != nil {
			return out, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// get copies the stored fact for k into f (a pointer), reporting whether
// there was one.
func (v *vetter) get(k factKey, f analysis.Fact) bool {
	stored, ok := v.facts[k]
	if !ok {
		return false
	}
	reflect.ValueOf(f).Elem().Set(reflect.ValueOf(stored).Elem())
	return true
}
