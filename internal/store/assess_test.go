package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestSaveAndListAssessments(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	score := 42.5
	for _, a := range []SavedAssessment{
		{Name: "main", Created: now, Complete: true, Size: "small", Overall: &score, Answers: []byte(`{"a":1}`), Result: []byte(`{"r":1}`)},
		{Name: "main", Created: now.Add(time.Hour), Complete: false, Answers: []byte(`{"a":2}`)},
		{Name: "main", Created: now.Add(2 * time.Hour), Complete: false, Answers: []byte(`{"a":3}`)}, // replaces the previous draft
		{Name: "other", Created: now, Complete: true, Answers: []byte(`{}`)},
	} {
		if _, err := s.SaveAssessment(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.Assessments(ctx, "main", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || string(list[0].Answers) != `{"a":3}` || list[0].Complete || !list[1].Complete {
		t.Fatalf("Assessments = %+v", list)
	}
	done, ok, err := s.LatestAssessment(ctx, "main", true)
	if err != nil || !ok || string(done.Result) != `{"r":1}` || done.Overall == nil || *done.Overall != score || !done.Created.Equal(now) {
		t.Errorf("LatestAssessment(complete) = %+v, %v, %v", done, ok, err)
	}
	if _, ok, _ := s.LatestAssessment(ctx, "none", false); ok {
		t.Error("found an assessment that was never saved")
	}
	if _, err := s.SaveAssessment(ctx, SavedAssessment{}); err == nil {
		t.Error("saved an assessment without a name")
	}
}
