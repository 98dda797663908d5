package strictyaml

import (
	"errors"
	"testing"
)

func TestDecode(t *testing.T) {
	type doc struct {
		Name string `yaml:"name"`
	}
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr bool
	}{
		{"ok", "name: a\n", "a", false},
		{"json", `{"name": "b"}`, "b", false},
		{"unknown field", "name: a\ncolour: red\n", "", true},
		{"two documents", "name: a\n---\nname: b\n", "", true},
		{"empty", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			err := Decode([]byte(tt.in), &d)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Decode(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && d.Name != tt.want {
				t.Errorf("Decode(%q) name = %q, want %q", tt.in, d.Name, tt.want)
			}
		})
	}
	var d doc
	if err := Decode([]byte("name: a\n---\nname: b\n"), &d); !errors.Is(err, ErrMultipleDocuments) {
		t.Errorf("two documents: error %v, want ErrMultipleDocuments", err)
	}
}
