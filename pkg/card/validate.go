package card

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// MaxElements is the most components a card JSON 2.0 may hold.
const MaxElements = 200

// Error is a problem found in a card, located by a JSON path such as
// body.elements[3].tag.
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// SyntaxError locates a JSON syntax error by line and column.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Parse decodes card JSON into an object, reporting syntax errors with their
// line and column.
func Parse(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxError(data, err)
	}
	if off := int(dec.InputOffset()); len(bytes.Trim(data[off:], jsonSpace)) > 0 {
		line, col := position(data, off)
		return nil, &SyntaxError{Line: line, Col: col, Msg: "unexpected data after the card object"}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Msg: "a card must be a JSON object"}
	}
	return obj, nil
}

func syntaxError(data []byte, err error) error {
	var se *json.SyntaxError
	off := len(data)
	if errors.As(err, &se) && se.Offset > 0 {
		off = int(se.Offset) - 1 // Offset counts the offending byte
	}
	msg := err.Error()
	if len(bytes.Trim(data, jsonSpace)) == 0 {
		return &Error{Msg: "empty card JSON"}
	}
	line, col := position(data, off)
	return &SyntaxError{Line: line, Col: col, Msg: "invalid JSON: " + msg}
}

func position(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// jsonSpace is the white space JSON allows between tokens.
const jsonSpace = " \t\r\n"

var v2TopLevel = map[string]bool{"schema": true, "config": true, "card_link": true, "header": true, "body": true}

// Validate parses card JSON and checks the rules Feishu enforces at send
// time: a JSON object; a template reference with a template_id; schema
// absent (1.0) or "2.0"; 2.0 cards with body.elements, no 1.0-only note and
// action tags, no unknown top-level fields and at most 200 components;
// a known header colour; img elements with img_key (and alt in 1.0).
func Validate(data []byte) error {
	obj, err := Parse(data)
	if err != nil {
		return err
	}
	if typ, _ := obj["type"].(string); typ == "template" {
		d, _ := obj["data"].(map[string]any)
		if id, _ := d["template_id"].(string); id == "" {
			return &Error{Path: "data.template_id", Msg: "a template card needs a template_id"}
		}
		return nil
	}
	v2 := false
	if s, ok := obj["schema"]; ok {
		if s != "2.0" {
			return &Error{Path: "schema", Msg: fmt.Sprintf("unknown schema %v (want \"2.0\", or none for 1.0)", s)}
		}
		v2 = true
	}
	if h, ok := obj["header"].(map[string]any); ok {
		if t, ok := h["template"].(string); ok && !ValidColor(t) {
			return &Error{Path: "header.template", Msg: fmt.Sprintf("unknown colour %q (want one of %s)", t, strings.Join(Colors, ", "))}
		}
	}
	var elements any
	path := "elements"
	if v2 {
		for k := range obj {
			if !v2TopLevel[k] {
				return &Error{Path: k, Msg: "unknown field in a schema 2.0 card (2.0 rejects unknown fields)"}
			}
		}
		body, ok := obj["body"].(map[string]any)
		if !ok {
			return &Error{Path: "body", Msg: "a schema 2.0 card keeps its elements in body.elements"}
		}
		elements, path = body["elements"], "body.elements"
	} else {
		elements = obj["elements"]
	}
	if elements == nil {
		return nil
	}
	list, ok := elements.([]any)
	if !ok {
		return &Error{Path: path, Msg: "must be an array"}
	}
	count := 0
	for i, el := range list {
		if err := checkElement(el, fmt.Sprintf("%s[%d]", path, i), v2, &count); err != nil {
			return err
		}
	}
	if v2 && count > MaxElements {
		return &Error{Path: path, Msg: fmt.Sprintf("%d components, over Feishu's limit of %d", count, MaxElements)}
	}
	return nil
}

// checkElement checks one element and, recursively, what it contains.
func checkElement(v any, path string, v2 bool, count *int) error {
	switch t := v.(type) {
	case map[string]any:
		tag, _ := t["tag"].(string)
		if tag != "" && tag != "plain_text" && tag != "lark_md" {
			*count++
		}
		switch tag {
		case "note", "action":
			if v2 {
				return &Error{Path: path + ".tag", Msg: fmt.Sprintf("%q is a 1.0-only tag; schema 2.0 cards reject it (Feishu error 200861)", tag)}
			}
		case "img":
			if k, _ := t["img_key"].(string); k == "" {
				return &Error{Path: path + ".img_key", Msg: "an img element needs an img_key"}
			}
			if _, ok := t["alt"]; !ok && !v2 {
				return &Error{Path: path + ".alt", Msg: "an img element needs alt in a 1.0 card (it may be empty)"}
			}
		}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if err := checkElement(t[k], path+"."+k, v2, count); err != nil {
				return err
			}
		}
	case []any:
		for i, c := range t {
			if err := checkElement(c, fmt.Sprintf("%s[%d]", path, i), v2, count); err != nil {
				return err
			}
		}
	}
	return nil
}
