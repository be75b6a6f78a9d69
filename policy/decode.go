package policy

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/gocty"
)

// This file decodes an HCL body into the raw structs of schema.go, with
// the struct tags of gohcl ("name" or "name,attr" for an attribute, a
// pointer being optional; "name,block" for a block, a pointer optional
// and unique, a slice repeatable; "name,label", "name,label_range",
// ",body", ",def_range"). gohcl itself is not used: it imports hclwrite,
// whose go-cmp dependency is not in go.sum. Expressions are evaluated
// without variables or functions: a policy is literal values.

type fieldTag struct {
	name, kind string
}

func tagOf(f reflect.StructField) (fieldTag, bool) {
	s, ok := f.Tag.Lookup("hcl")
	if !ok {
		return fieldTag{}, false
	}
	name, kind, _ := strings.Cut(s, ",")
	if kind == "" {
		kind = "attr"
	}
	return fieldTag{name, kind}, true
}

// labelNames lists the label fields of a block struct type.
func labelNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if tg, ok := tagOf(t.Field(i)); ok && tg.kind == "label" {
			out = append(out, tg.name)
		}
	}
	return out
}

// decodeBody decodes body into the struct v (addressable).
func decodeBody(body hcl.Body, v reflect.Value) hcl.Diagnostics {
	t := v.Type()
	schema := &hcl.BodySchema{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tg, ok := tagOf(f)
		if !ok {
			continue
		}
		switch tg.kind {
		case "attr":
			schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: tg.name, Required: f.Type.Kind() != reflect.Pointer})
		case "block":
			et := f.Type.Elem()
			schema.Blocks = append(schema.Blocks, hcl.BlockHeaderSchema{Type: tg.name, LabelNames: labelNames(et)})
		}
	}
	content, diags := body.Content(schema)
	if content == nil {
		return diags
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tg, ok := tagOf(f)
		if !ok {
			continue
		}
		fv := v.Field(i)
		switch tg.kind {
		case "body":
			fv.Set(reflect.ValueOf(&body).Elem())
		case "attr":
			a := content.Attributes[tg.name]
			if a == nil {
				continue
			}
			diags = append(diags, decodeAttr(a, fv)...)
		case "block":
			var blocks []*hcl.Block
			for _, b := range content.Blocks {
				if b.Type == tg.name {
					blocks = append(blocks, b)
				}
			}
			switch f.Type.Kind() {
			case reflect.Pointer:
				for j, b := range blocks {
					if j > 0 {
						diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate " + tg.name + " block",
							Detail:  fmt.Sprintf("Only one %s block is allowed; another was defined at line %d.", tg.name, blocks[0].DefRange.Start.Line),
							Subject: b.DefRange.Ptr()})
						continue
					}
					nv := reflect.New(f.Type.Elem())
					diags = append(diags, decodeBlock(b, nv.Elem())...)
					fv.Set(nv)
				}
			case reflect.Slice:
				sv := reflect.MakeSlice(f.Type, len(blocks), len(blocks))
				for j, b := range blocks {
					diags = append(diags, decodeBlock(b, sv.Index(j))...)
				}
				fv.Set(sv)
			}
		}
	}
	return diags
}

// decodeBlock decodes a block (labels, ranges, body) into the struct v.
func decodeBlock(b *hcl.Block, v reflect.Value) hcl.Diagnostics {
	t := v.Type()
	li := 0
	for i := 0; i < t.NumField(); i++ {
		tg, ok := tagOf(t.Field(i))
		if !ok {
			continue
		}
		switch tg.kind {
		case "label":
			if li < len(b.Labels) {
				v.Field(i).SetString(b.Labels[li])
			}
			li++
		case "def_range":
			v.Field(i).Set(reflect.ValueOf(b.DefRange))
		}
	}
	// label_range fields take the range of the label of the same name.
	names := labelNames(t)
	for i := 0; i < t.NumField(); i++ {
		tg, ok := tagOf(t.Field(i))
		if !ok || tg.kind != "label_range" {
			continue
		}
		for j, n := range names {
			if n == tg.name && j < len(b.LabelRanges) {
				v.Field(i).Set(reflect.ValueOf(b.LabelRanges[j]))
			}
		}
	}
	return decodeBody(b.Body, v)
}

// decodeAttr evaluates a and stores it in fv, a string, int, bool, or
// []string, or a pointer to one. A null value is as if absent.
func decodeAttr(a *hcl.Attribute, fv reflect.Value) hcl.Diagnostics {
	val, diags := a.Expr.Value(nil)
	if diags.HasErrors() || val.IsNull() {
		return diags
	}
	t := fv.Type()
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	ty, err := gocty.ImpliedType(reflect.Zero(t).Interface())
	if err != nil {
		panic("policy: bad schema type " + t.String())
	}
	bad := func(err error) hcl.Diagnostics {
		return append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Incorrect attribute value type",
			Detail:  fmt.Sprintf("Inappropriate value for attribute %q: %s.", a.Name, err),
			Subject: a.Expr.Range().Ptr()})
	}
	if !val.IsWhollyKnown() {
		return bad(fmt.Errorf("the value is not known"))
	}
	cv, err := convert.Convert(val, ty)
	if err != nil {
		return bad(fmt.Errorf("%s required", ty.FriendlyName()))
	}
	if ty.IsListType() && cv.LengthInt() > 0 {
		for it := cv.ElementIterator(); it.Next(); {
			if _, e := it.Element(); e.IsNull() {
				return bad(fmt.Errorf("a list element is null"))
			}
		}
	}
	nv := reflect.New(t)
	if err := gocty.FromCtyValue(cv, nv.Interface()); err != nil {
		return bad(err)
	}
	if fv.Kind() == reflect.Pointer {
		fv.Set(nv)
	} else {
		fv.Set(nv.Elem())
	}
	return diags
}
