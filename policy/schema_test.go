package policy

import (
	"reflect"
	"sort"
	"strings"
)

// tagOf reads a field's gohcl tag: "name" or "name,kind" (attr by
// default).
func tagOf(f reflect.StructField) (struct{ name, kind string }, bool) {
	s, ok := f.Tag.Lookup("hcl")
	if !ok {
		return struct{ name, kind string }{}, false
	}
	name, kind, _ := strings.Cut(s, ",")
	if kind == "" {
		kind = "attr"
	}
	return struct{ name, kind string }{name, kind}, true
}

// schemaNames lists every attribute and block name of the schema.
func schemaNames() []string {
	seen := map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tg, ok := tagOf(f)
			if !ok {
				continue
			}
			switch tg.kind {
			case "attr":
				seen[tg.name] = true
			case "block":
				seen[tg.name] = true
				walk(f.Type.Elem())
			}
		}
	}
	walk(reflect.TypeOf(rawFile{}))
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
