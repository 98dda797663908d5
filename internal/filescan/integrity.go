package filescan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/inventory"
)

// Fingerprint is what a baseline records of a file, plus what verify needs
// to judge a change (entropy of sampled blocks).
type Fingerprint struct {
	Path    string // relative to the root, slash-separated
	Size    int64
	ModTime time.Time
	SHA256  string // hex
	IsDICOM bool
	// Entropy of sampled blocks (the first 8 KiB and 4 KiB of every MiB),
	// bits per byte, over Sampled bytes.
	Entropy float64
	Sampled int
	// HeadEntropy is the entropy of the first 4 KiB alone, where a DICOM
	// header (preamble, meta information, first elements) sits: ransomware
	// that encrypts only the start of each file ("intermittent"
	// encryption) shows there.
	HeadEntropy float64
	HeadSampled int
}

// LooksEncrypted reports whether the sampled entropy is what random bytes
// give. A sample of n bytes of random data measures below 8 bits/byte by
// about 255/(2n ln 2) (the Miller-Madow bias), so small files are judged
// against that, not against 8.
func (fp Fingerprint) LooksEncrypted() bool {
	return randomLike(fp.Entropy, fp.Sampled) || randomLike(fp.HeadEntropy, fp.HeadSampled)
}

func randomLike(h float64, n int) bool {
	if n < 256 {
		return false
	}
	expected := 8 - 255/(2*float64(n)*math.Ln2)
	return h >= expected-encryptedMargin
}

const (
	hashBuffer = 64 << 10
	// encryptedMargin below the entropy of random data still counts as
	// encrypted; DICOM headers, even with compressed pixel data after them,
	// stay far below (4-6 bits/byte).
	encryptedMargin = 0.1
)

// FingerprintFile hashes a file in one pass with a fixed buffer (memory
// does not grow with the file) and reads its header to say whether it is DICOM.
func FingerprintFile(root, p string) (Fingerprint, error) {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return Fingerprint{}, err
	}
	fp := Fingerprint{Path: filepath.ToSlash(rel)}
	fh, err := os.Open(p)
	if err != nil {
		return fp, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fp, err
	}
	fp.Size, fp.ModTime = st.Size(), st.ModTime()
	if _, err := dicom.Read(fh, fp.Size, dicom.ReadOptions{StopBeforePixelData: true, SkipLargerThan: 4 << 10, MaxElements: 100_000}); err == nil {
		fp.IsDICOM = true
	}
	h := sha256.New()
	buf := make([]byte, hashBuffer)
	var hist [256]int
	var sampled int
	for i := 0; ; i++ {
		n, err := io.ReadFull(fh, buf)
		h.Write(buf[:n])
		var s []byte
		switch {
		case i == 0:
			s = buf[:min(n, 8<<10)]
			head := buf[:min(n, 4<<10)]
			fp.HeadEntropy, fp.HeadSampled = Entropy(head), len(head)
		case i%16 == 0:
			s = buf[:min(n, 4<<10)]
		}
		for _, c := range s {
			hist[c]++
		}
		sampled += len(s)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return fp, err
		}
	}
	fp.SHA256 = hex.EncodeToString(h.Sum(nil))
	fp.Entropy, fp.Sampled = entropyOf(hist[:], sampled), sampled
	return fp, nil
}

func entropyOf(hist []int, n int) float64 {
	if n == 0 {
		return 0
	}
	var h float64
	for _, c := range hist {
		if c > 0 {
			p := float64(c) / float64(n)
			h -= p * math.Log2(p)
		}
	}
	return h
}

// FingerprintTree fingerprints every regular file under root with a bounded
// pool of workers; handle runs on the calling goroutine.
func FingerprintTree(ctx context.Context, root string, opts WalkOptions, handle func(Fingerprint, error)) (WalkStats, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		e   Entry
		err error
	}
	type out struct {
		fp  Fingerprint
		err error
	}
	jobs := make(chan job, 4*workers)
	results := make(chan out, 4*workers)
	var st WalkStats
	var walkErr error
	go func() {
		defer close(jobs)
		st, walkErr = Walk(ctx, []string{root}, opts.FollowSymlinks, func(e Entry, err error) {
			select {
			case jobs <- job{e, err}:
			case <-ctx.Done():
			}
		})
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				if j.err != nil {
					rel, _ := filepath.Rel(j.e.Root, j.e.Path)
					results <- out{Fingerprint{Path: filepath.ToSlash(rel)}, j.err}
					continue
				}
				fp, err := FingerprintFile(j.e.Root, j.e.Path)
				results <- out{fp, err}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for r := range results {
		handle(r.fp, r.err)
	}
	if walkErr != nil {
		return st, walkErr
	}
	return st, ctx.Err()
}

// VerifyOptions shapes a verify run.
type VerifyOptions struct {
	Walk WalkOptions
	// AlarmThreshold is the share (0-1) of baselined files changed,
	// missing or renamed in one run that raises the ransomware alarm.
	AlarmThreshold float64
	// Progress, when set, is called once per file hashed.
	Progress func()
}

// VerifySummary counts what verify found.
type VerifySummary struct {
	Baselined int `json:"baselined"`
	Current   int `json:"current"`
	Unchanged int `json:"unchanged"`
	Modified  int `json:"modified"`
	Missing   int `json:"missing"`
	New       int `json:"new"`
	Renamed   int `json:"renamed"`
	NotDICOM  int `json:"not_dicom"`
	Encrypted int `json:"encrypted"`
	Notes     int `json:"ransom_notes"`
	Unread    int `json:"unreadable"`
	// ChangedShare is (modified + missing + renamed) / baselined.
	ChangedShare float64 `json:"changed_share"`
	Alarm        bool    `json:"alarm"`
}

// Verify compares the files under dir with a baseline recorded for root
// (dir is root or inside it). baseline streams the recorded entries under
// dir. Findings carry absolute paths.
func Verify(ctx context.Context, cat *check.Catalogue, root, dir string, baseline func(fn func(Fingerprint) error) error, opts VerifyOptions) ([]inventory.Finding, VerifySummary, error) {
	var sum VerifySummary
	var findings []inventory.Finding
	add := func(id, rel string, ev ...inventory.Evidence) {
		abs := filepath.Join(root, filepath.FromSlash(rel))
		for i := range ev {
			ev[i].Probe, ev[i].Artifact = "verify", abs
		}
		f := cat.Finding(id, ev...)
		f.Path = abs
		findings = append(findings, f)
	}
	current := map[string]Fingerprint{}
	_, err := FingerprintTree(ctx, dir, opts.Walk, func(fp Fingerprint, err error) {
		if opts.Progress != nil {
			opts.Progress()
		}
		if err != nil {
			sum.Unread++
			add("files.unreadable", relTo(root, dir, fp.Path), inventory.Evidence{Observed: "could not be read: " + errText(err)})
			return
		}
		fp.Path = relTo(root, dir, fp.Path)
		current[fp.Path] = fp
	})
	if err != nil {
		return nil, sum, err
	}
	sum.Current = len(current)
	missing := map[string]Fingerprint{}
	err = baseline(func(b Fingerprint) error {
		sum.Baselined++
		cur, ok := current[b.Path]
		if !ok {
			missing[b.Path] = b
			return nil
		}
		delete(current, b.Path)
		if cur.SHA256 == b.SHA256 {
			sum.Unchanged++
			return nil
		}
		sum.Modified++
		change := fmt.Sprintf("content changed since the baseline (size %d → %d bytes, modified %s)", b.Size, cur.Size, cur.ModTime.UTC().Format(time.RFC3339))
		data := fmt.Sprintf("old_sha256=%s new_sha256=%s entropy=%.3f", b.SHA256, cur.SHA256, cur.Entropy)
		switch {
		case b.IsDICOM && !cur.IsDICOM && cur.LooksEncrypted():
			sum.Encrypted++
			add("files.ransomware-encrypted", b.Path, inventory.Evidence{
				Observed: fmt.Sprintf("was DICOM, now no DICOM structure and %.2f bits/byte of entropy in sampled blocks (%.2f in the first 4 KiB); %s", cur.Entropy, cur.HeadEntropy, change), Data: data})
		case b.IsDICOM && !cur.IsDICOM:
			sum.NotDICOM++
			add("files.integrity-not-dicom", b.Path, inventory.Evidence{Observed: "was DICOM, no longer reads as DICOM; " + change, Data: data})
		default:
			add("files.integrity-modified", b.Path, inventory.Evidence{Observed: change, Data: data})
		}
		return nil
	})
	if err != nil {
		return nil, sum, err
	}
	// What is left in current is new. A new name that is a missing name
	// plus extensions is a rename, ransomware-style when the extension is
	// a known one or the size is unchanged.
	newPaths := make([]string, 0, len(current))
	for p := range current {
		newPaths = append(newPaths, p)
	}
	sort.Strings(newPaths)
	for _, p := range newPaths {
		cur := current[p]
		if old, ok := renamedFrom(p, missing); ok {
			ext := strings.TrimPrefix(p, old.Path)
			known := RansomExtension(p) != ""
			if known || cur.Size == old.Size || cur.LooksEncrypted() {
				sum.Renamed++
				delete(missing, old.Path)
				why := "an unknown extension and the same size"
				switch {
				case known:
					why = "a known ransomware extension"
				case cur.Size != old.Size:
					why = fmt.Sprintf("an added extension and %.2f bits/byte of entropy", cur.Entropy)
				}
				add("files.ransomware-rename", p, inventory.Evidence{
					Observed: fmt.Sprintf("baselined file %s is gone and %s appeared: %q appended, %s", old.Path, path.Base(p), ext, why),
					Data:     fmt.Sprintf("from=%s extension=%s size=%d old_size=%d", old.Path, ext, cur.Size, old.Size),
				})
				continue
			}
		}
		sum.New++
		switch {
		case IsRansomNote(p, true):
			sum.Notes++
			add("files.ransomware-note", p, inventory.Evidence{Observed: "new file named like a ransom note: " + path.Base(p)})
		case RansomExtension(p) != "":
			add("files.ransomware-extension", p, inventory.Evidence{Observed: "new file with the ransomware extension " + RansomExtension(p)})
		default:
			add("files.integrity-new", p, inventory.Evidence{Observed: fmt.Sprintf("not in the baseline (%d bytes)", cur.Size)})
		}
	}
	missingPaths := make([]string, 0, len(missing))
	for p := range missing {
		missingPaths = append(missingPaths, p)
	}
	sort.Strings(missingPaths)
	for _, p := range missingPaths {
		sum.Missing++
		add("files.integrity-missing", p, inventory.Evidence{Observed: fmt.Sprintf("recorded in the baseline (%d bytes), now gone", missing[p].Size)})
	}
	changed := sum.Modified + sum.Missing + sum.Renamed
	if sum.Baselined > 0 {
		sum.ChangedShare = float64(changed) / float64(sum.Baselined)
	}
	if sum.Baselined > 0 && changed > 0 && sum.ChangedShare >= opts.AlarmThreshold {
		sum.Alarm = true
		abs := dir
		ev := inventory.Evidence{
			Probe:    "verify",
			Observed: fmt.Sprintf("%d of %d baselined files (%.0f%%) changed in this run: %d modified (%d look encrypted, %d no longer DICOM), %d renamed, %d missing; %d ransom notes; alarm threshold %.0f%%", changed, sum.Baselined, 100*sum.ChangedShare, sum.Modified, sum.Encrypted, sum.NotDICOM, sum.Renamed, sum.Missing, sum.Notes, 100*opts.AlarmThreshold),
			Data:     fmt.Sprintf("changed=%d baselined=%d share=%.4f threshold=%.4f", changed, sum.Baselined, sum.ChangedShare, opts.AlarmThreshold),
			Artifact: abs,
		}
		f := cat.Finding("files.ransomware-alarm", ev)
		f.Path = abs
		findings = append(findings, f)
	}
	return findings, sum, nil
}

// renamedFrom finds the missing file whose name p extends with up to four
// extensions (ransomware appends IDs, mail addresses and its own suffix).
func renamedFrom(p string, missing map[string]Fingerprint) (Fingerprint, bool) {
	q := p
	for range 4 {
		i := strings.LastIndexByte(q, '.')
		if i <= strings.LastIndexByte(q, '/')+1 {
			return Fingerprint{}, false
		}
		q = q[:i]
		if old, ok := missing[q]; ok {
			return old, true
		}
	}
	return Fingerprint{}, false
}

// relTo turns a path relative to dir into one relative to root.
func relTo(root, dir, rel string) string {
	if dir == root {
		return rel
	}
	sub, err := filepath.Rel(root, dir)
	if err != nil {
		return rel
	}
	return path.Join(filepath.ToSlash(sub), rel)
}

func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
