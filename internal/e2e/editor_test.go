package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
)

// editorSite has anna, member of Garten, with an article to comment on.
func editorSite(t *testing.T) *site {
	s := startSite(t)
	bg := context.Background()
	anna, err := accounts.New(s.db, func(string) bool { return false }, nil).Create(bg,
		accounts.NewAccount{Username: "anna", Email: "anna@example.org", Password: "anna-password", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	garden, err := groups.New(s.db, func(string) bool { return false }, nil).Create(bg, groups.NewGroup{Name: "Garten", Creator: anna})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contents.New(s.db).Create(bg, anna, garden.ID, contents.Article, contents.Draft{Title: "Erntefest", Text: "Wir feiern.", Public: true}); err != nil {
		t.Fatal(err)
	}
	return s
}

func fieldValue(ctx context.Context, sel string) string {
	v, _ := chromedp.Run(ctx, chromedp.Value(css(sel)))
	return v
}

// The Markdown field's toolbar marks the selection, Ctrl+B too, the preview shows the text as
// the site renders it, and Ctrl+Enter sends the form (F41, F69).
func TestMarkdownEditor(t *testing.T) {
	s := editorSite(t)
	ctx := browser(t)
	err := chromedp.Do(ctx, login(s, "anna"), chromedp.Navigate(s.url+"/garten/articles/add/"),
		chromedp.WaitVisible(css(`.editor-toolbar .editor-bold`)),
		chromedp.SendKeys(css(`#f-title`), "Ernte"),
		chromedp.SendKeys(css(`#f-text`), "Kürbisse"),
		eval(`document.getElementById("f-text").select()`),
		chromedp.Click(css(`.editor-toolbar .editor-bold`)))
	if err != nil {
		t.Fatalf("the toolbar: %v", err)
	}
	if v := fieldValue(ctx, `#f-text`); v != "**Kürbisse**" {
		t.Errorf("after bold: %q", v)
	}
	// Ctrl+I on a selection.
	err = chromedp.Do(ctx, eval(`(function(){var a=document.getElementById("f-text"); a.value="Ernte"; a.select()})()`),
		chromedp.KeyEvent("i", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	if err != nil {
		t.Fatal(err)
	}
	if v := fieldValue(ctx, `#f-text`); v != "_Ernte_" {
		t.Errorf("after Ctrl+I: %q", v)
	}
	err = chromedp.Do(ctx, eval(`document.getElementById("f-text").value = "Wir **feiern**."`),
		chromedp.Click(css(`.editor-preview-toggle`)), chromedp.WaitVisible(css(`.editor-preview strong`)), shot(t, "editor-preview"))
	if err != nil {
		t.Fatalf("the preview: %v", err)
	}
	if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("f-text").hidden`)); !hidden {
		t.Error("the field shows beside its preview")
	}
	// Back to the field, and Ctrl+Enter sends the article.
	err = chromedp.Do(ctx, chromedp.Click(css(`.editor-preview-toggle`)), chromedp.WaitVisible(css(`#f-text`)),
		loadAfter(chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl))))
	if err != nil {
		t.Fatalf("Ctrl+Enter: %v", err)
	}
	if h1, _ := text(ctx, "article.content h1"); h1 != "Ernte" {
		t.Errorf("after Ctrl+Enter the page shows %q, want the new article", h1)
	}
}

// Without script the comment form is a plain form: the comment comes with the next page.
func TestCommentWithoutScript(t *testing.T) {
	s := editorSite(t)
	ctx := browser(t)
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx, login(s, "anna"), chromedp.Navigate(s.url+"/garten/erntefest/"),
		chromedp.SendKeys(css(`#comment-form textarea`), "Ich bringe **Kürbisse** mit."),
		clickLoad(`#comment-form button[type=submit]`))
	if err != nil {
		t.Fatal(err)
	}
	if comment, _ := text(ctx, ".comments .text strong"); comment != "Kürbisse" {
		t.Errorf("comment %q", comment)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".editor-toolbar").length`)); n != 0 {
		t.Error("a toolbar without script")
	}
}
