package scan

import (
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTargets(t *testing.T) {
	files := map[string]string{"hosts.txt": "# imaging VLAN\n10.0.0.1\npacs.example:4242 # archive\n\n10.0.0.1:104\n"}
	read := func(p string) (io.ReadCloser, error) {
		s, ok := files[p]
		if !ok {
			return nil, errors.New("no such file")
		}
		return io.NopCloser(strings.NewReader(s)), nil
	}
	a := netip.MustParseAddr
	tests := []struct {
		name string
		args []string
		want []Target
	}{
		{"address", []string{"10.0.0.1"}, []Target{{Host: "10.0.0.1", Addr: a("10.0.0.1")}}},
		{"host:port", []string{"10.0.0.1:104"}, []Target{{Host: "10.0.0.1", Addr: a("10.0.0.1"), Ports: []int{104}}}},
		{"v6 with port", []string{"[fd00::1]:11112"}, []Target{{Host: "fd00::1", Addr: a("fd00::1"), Ports: []int{11112}}}},
		{"cidr", []string{"10.0.0.4/30"}, []Target{{Host: "10.0.0.4", Addr: a("10.0.0.4")}, {Host: "10.0.0.5", Addr: a("10.0.0.5")}, {Host: "10.0.0.6", Addr: a("10.0.0.6")}, {Host: "10.0.0.7", Addr: a("10.0.0.7")}}},
		{"short range", []string{"10.0.0.1-3"}, []Target{{Host: "10.0.0.1", Addr: a("10.0.0.1")}, {Host: "10.0.0.2", Addr: a("10.0.0.2")}, {Host: "10.0.0.3", Addr: a("10.0.0.3")}}},
		{"full range", []string{"10.0.0.255-10.0.1.0"}, []Target{{Host: "10.0.0.255", Addr: a("10.0.0.255")}, {Host: "10.0.1.0", Addr: a("10.0.1.0")}}},
		{"host name", []string{"PACS.Example."}, []Target{{Host: "pacs.example"}}},
		{"ports merge", []string{"10.0.0.1:104", "10.0.0.1:4242"}, []Target{{Host: "10.0.0.1", Addr: a("10.0.0.1"), Ports: []int{104, 4242}}}},
		{"default wins", []string{"10.0.0.1:104", "10.0.0.1"}, []Target{{Host: "10.0.0.1", Addr: a("10.0.0.1")}}},
		{"file", []string{"@hosts.txt"}, []Target{{Host: "10.0.0.1", Addr: a("10.0.0.1")}, {Host: "pacs.example", Ports: []int{4242}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTargets(tt.args, read)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestParseTargetsErrors(t *testing.T) {
	for _, args := range [][]string{
		{"10.0.0.0/8"}, {"10.0.0.9-3"}, {"10.0.0.1:0"}, {"10.0.0.1:99999"}, {"bad_host!"}, {"@missing"}, {}, {"10.0.0.300"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if got, err := ParseTargets(args, func(string) (io.ReadCloser, error) { return nil, errors.New("no file") }); err == nil {
				t.Errorf("ParseTargets(%q) = %v, want an error", args, got)
			}
		})
	}
	if _, err := ParseTargets([]string{"10.0.0.0/8"}, nil); !errors.Is(err, ErrTooManyTargets) {
		t.Errorf("err = %v, want ErrTooManyTargets", err)
	}
}

func TestParsePorts(t *testing.T) {
	got, err := ParsePorts("104, 11112-11114,104")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{104, 11112, 11113, 11114}, got); diff != "" {
		t.Error(diff)
	}
	for _, bad := range []string{"0", "70000", "5-3", "x"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("ParsePorts(%q) succeeded", bad)
		}
	}
}
