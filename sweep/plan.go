package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/scalefit/scalefit/datasets"
)

// Defaults of the [run] and [dataset] keys: the run command's flag defaults, so that a plan without a key runs what
// `scalefit run` without the flag runs.
const (
	DefaultSeqLen  = 512
	DefaultField   = "text"
	DefaultGELU    = "" // the config's own activation
	DefaultBackend = "cpu"
)

// maxPlanBytes bounds the plan file read into memory.
const maxPlanBytes = 4 << 20

// Plan is a checked sweep plan: where the runs go, what every run reads and how it runs, and the tasks, one per
// (model, revision) in the order the plan lists them. Every path in it is absolute.
type Plan struct {
	Path    string // the plan file
	Out     string // the output directory
	Dataset Dataset
	Run     RunOptions
	Slurm   Slurm
	K8s     K8s
	Tasks   []Task
}

// Dataset is the plan's [dataset] table: exactly one of Tokens, Text, JSONL (with Field) and Corpus is set.
type Dataset struct {
	Tokens, Text, JSONL, Field, Corpus string
}

// textual reports whether the dataset is text that a tokenizer cuts into windows (so seq_len and the tokenizer
// matter), rather than token ids.
func (d Dataset) textual() bool { return d.Tokens == "" }

// RunOptions is the plan's [run] table: the flags of `scalefit run`, with their defaults filled in.
type RunOptions struct {
	SeqLen    int
	MaxTokens int
	SkipFirst int
	GELU      string // "erf" or "tanh" to replace the config's GELU form; empty for the config's activation
	Loss      bool
	Backend   string // "cpu", a plugin name, or an absolute path to a plugin binary
	Threads   int    // per task; 0 splits the cores between the tasks that run at once
	Device    int    // which of the backend's devices to run on (the vulkan backend's GPU)
	Tokenizer string // a tokenizer.json to use instead of each model's own; empty for the model's
	NoSpecial bool   // encode text without the special tokens the tokenizer adds (its BOS)
	AllowLong bool   // run sequences longer than a model's max_position_embeddings, which are refused otherwise
}

// Task is one run of a sweep: one model at one revision, written to one file.
type Task struct {
	Index    int    // 0-based position in the plan's task list; shards are taken by index
	Key      string // the plan key that made it, e.g. models[2], for messages
	Model    string // the model id recorded in the run file: the hub id, or the directory's base name
	Revision string // the hub revision; empty for a local directory
	Dir      string // the model directory to load
	Out      string // the run file to write
	Hash     string // the options hash recorded in the run file; see Plan.hash
}

// Name is how tables and messages show the task: the model, and the revision after an @ when it has one.
func (t Task) Name() string {
	if t.Revision == "" {
		return t.Model
	}
	return t.Model + "@" + t.Revision
}

// stem is the output path without its .parquet extension; the task's .error and .lock files sit beside it.
func (t Task) stem() string { return strings.TrimSuffix(t.Out, filepath.Ext(t.Out)) }

// ErrorPath is the file a failed task leaves, holding the reason on its first line.
func (t Task) ErrorPath() string { return t.stem() + ".error" }

// LockPath is the file a process holds an exclusive lock on while it runs the task.
func (t Task) LockPath() string { return t.stem() + ".lock" }

// Resolver is what loading a plan needs from the rest of scalefit.
type Resolver struct {
	// Model resolves a model directory (an absolute path) or a hub id at a revision to the directory to load and
	// the model id to record, or says why it cannot.
	Model func(spec, revision string) (dir, id string, err error)
	// Backend checks that a [run] backend can be found; nil accepts any.
	Backend func(spec string) error
}

// KeyError is one problem with a plan, at a key.
type KeyError struct {
	Line int    // 1-based line in the plan file, when known; 0 otherwise
	Key  string // e.g. "run.seq_len" or "models[1].revisions"
	Msg  string
}

// PlanError is every problem found in a plan file. Its message has one line per problem, each naming the file, the
// key and, where known, the line.
type PlanError struct {
	Path string
	Errs []KeyError
}

func (e *PlanError) Error() string {
	lines := make([]string, len(e.Errs))
	for i, k := range e.Errs {
		where := e.Path
		if k.Line > 0 {
			where = fmt.Sprintf("%s:%d", e.Path, k.Line)
		}
		if k.Key != "" {
			where += ": " + k.Key
		}
		lines[i] = where + ": " + k.Msg
	}
	return strings.Join(lines, "\n")
}

// The plan file's TOML shape. Pointers tell a key that is absent from one set to its zero value.
type planFile struct {
	Out     *string       `toml:"out"`
	Dataset *datasetTable `toml:"dataset"`
	Run     runTable      `toml:"run"`
	Models  []modelTable  `toml:"models"`
	Slurm   slurmTable    `toml:"slurm"`
	K8s     k8sTable      `toml:"k8s"`
}

type datasetTable struct {
	Corpus *string `toml:"corpus"`
	Text   *string `toml:"text"`
	Tokens *string `toml:"tokens"`
	JSONL  *string `toml:"jsonl"`
	Field  *string `toml:"field"`
}

type runTable struct {
	SeqLen    *int    `toml:"seq_len"`
	MaxTokens *int    `toml:"max_tokens"`
	SkipFirst *int    `toml:"skip_first"`
	GELU      *string `toml:"gelu"`
	Loss      *bool   `toml:"loss"`
	Backend   *string `toml:"backend"`
	Threads   *int    `toml:"threads"`
	Device    *int    `toml:"device"`
	Tokenizer *string `toml:"tokenizer"`
	NoSpecial *bool   `toml:"no_special_tokens"`
	AllowLong *bool   `toml:"allow_long_sequences"`
}

// RunKeys lists the keys of a plan's [run] table.
func RunKeys() []string {
	t := reflect.TypeOf(runTable{})
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = t.Field(i).Tag.Get("toml")
	}
	return keys
}

type modelTable struct {
	Model     *string   `toml:"model"`
	Revisions *[]string `toml:"revisions"`
}

// Load reads, checks and expands the plan file at path. It resolves every model and revision through r and checks
// every file the runs will read, so that all the problems a plan has are found before any run starts; they come
// back together as a *PlanError.
func Load(path string, r Resolver) (*Plan, error) {
	if r.Model == nil {
		return nil, errors.New("sweep.Load: the Resolver has no Model function")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	data, err := readBounded(abs, maxPlanBytes)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", path, err)
	}
	l := &loader{path: path, dir: filepath.Dir(abs), r: r}
	var f planFile
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		l.decodeError(err)
		var strict *toml.StrictMissingError
		if !errors.As(err, &strict) { // unknown keys leave the rest decoded, and worth checking; other errors do not
			return nil, &PlanError{Path: path, Errs: l.errs}
		}
	}
	p := &Plan{Path: abs}
	l.out(&f, p)
	l.dataset(&f, p)
	l.run(&f, p)
	p.Slurm = l.slurm(&f.Slurm)
	p.K8s = l.k8s(&f.K8s)
	l.models(&f, p)
	if len(l.errs) == 0 { // hashes read the dataset's files, which the checks above found readable
		l.hashes(p)
	}
	if len(l.errs) > 0 {
		return nil, &PlanError{Path: path, Errs: l.errs}
	}
	return p, nil
}

// loader collects the problems of one plan file while it is checked.
type loader struct {
	path string // as the user gave it, for messages
	dir  string // the plan's directory, which relative paths are relative to
	r    Resolver
	errs []KeyError
}

func (l *loader) fail(key, format string, args ...any) {
	l.errs = append(l.errs, KeyError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// intAtLeast copies an integer key that is set into dst, and fails the plan when it is below least.
func (l *loader) intAtLeast(key string, v *int, least int, dst *int) {
	if v == nil {
		return
	}
	if *v < least {
		l.fail(key, "%d: must be ≥ %d", *v, least)
	}
	*dst = *v
}

// decodeError turns go-toml's errors into KeyErrors: one per unknown key in strict mode, or the one syntax or type
// error, with its line.
func (l *loader) decodeError(err error) {
	var strict *toml.StrictMissingError
	var de *toml.DecodeError
	switch {
	case errors.As(err, &strict):
		for i := range strict.Errors {
			e := &strict.Errors[i]
			line, _ := e.Position()
			l.errs = append(l.errs, KeyError{Line: line, Key: strings.Join(e.Key(), "."), Msg: unknownKey(e.Key())})
		}
	case errors.As(err, &de):
		line, _ := de.Position()
		l.errs = append(l.errs, KeyError{Line: line, Key: strings.Join(de.Key(), "."), Msg: tomlMessage(de.Error())})
	default:
		l.errs = append(l.errs, KeyError{Msg: err.Error()})
	}
}

// unknownKey says that a key is not part of a plan, with the keys its table takes and the nearest of them.
func unknownKey(key []string) string {
	t := reflect.TypeOf(planFile{})
	array := false
	for _, part := range key[:len(key)-1] {
		f, ok := fieldByTag(t, part)
		if !ok {
			return "unknown key (see docs/sweep.md)"
		}
		t, array = f.Type, false
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			array = array || t.Kind() == reflect.Slice
			t = t.Elem()
		}
	}
	if t.Kind() != reflect.Struct {
		return "unknown key (see docs/sweep.md)"
	}
	var known []string
	for i := range t.NumField() {
		known = append(known, t.Field(i).Tag.Get("toml"))
	}
	table := "the plan"
	if len(key) > 1 {
		table = "[" + strings.Join(key[:len(key)-1], ".") + "]"
		if array {
			table = "[" + table + "]"
		}
	}
	msg := fmt.Sprintf("unknown key; %s takes %s", table, strings.Join(known, ", "))
	if near := nearest(key[len(key)-1], known); near != "" {
		msg = fmt.Sprintf("unknown key (did you mean %s?); %s takes %s", near, table, strings.Join(known, ", "))
	}
	return msg
}

func fieldByTag(t reflect.Type, tag string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("toml") == tag {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// nearest returns the word of words closest to w in edit distance, if it is close enough to be a likely typo
// (at most 2 edits, and fewer than half of w's letters).
func nearest(w string, words []string) string {
	best, bestD := "", 3
	for _, c := range words {
		if d := editDistance(w, c); d < bestD && 2*d < len(w) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// typeMismatch matches go-toml's message for a value of the wrong type.
var typeMismatch = regexp.MustCompile(`cannot decode TOML (\w+) into struct field \S+ of type (\S+)`)

// tomlMessage rewrites go-toml's messages in the plan's own terms: TOML types, not Go struct fields.
func tomlMessage(msg string) string {
	msg = strings.TrimPrefix(msg, "toml: ")
	if m := typeMismatch.FindStringSubmatch(msg); m != nil {
		want := strings.TrimLeft(m[2], "*")
		switch want {
		case "int":
			want = "an integer"
		case "string":
			want = "a string"
		case "bool":
			want = "true or false"
		case "[]string":
			want = "an array of strings"
		default:
			if strings.HasPrefix(want, "[]") {
				want = "an array of tables"
			} else if strings.Contains(want, ".") {
				want = "a table"
			}
		}
		return fmt.Sprintf("is a TOML %s; want %s", m[1], want)
	}
	return msg
}

// abs makes a plan path absolute: relative to the plan file's directory, with a leading ~/ for the home directory.
func (l *loader) abs(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, strings.TrimPrefix(p, "~"))
		}
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.dir, p)
}

func (l *loader) out(f *planFile, p *Plan) {
	switch {
	case f.Out == nil:
		l.fail("out", "missing: give the directory the run files go to, e.g. out = \"sweep-out\"")
	case strings.TrimSpace(*f.Out) == "":
		l.fail("out", "empty")
	default:
		p.Out = l.abs(*f.Out)
		if st, err := os.Stat(p.Out); err == nil && !st.IsDir() {
			l.fail("out", "%s exists and is not a directory", p.Out)
		}
	}
}

func (l *loader) dataset(f *planFile, p *Plan) {
	d := f.Dataset
	if d == nil {
		l.fail("dataset", "missing: give a [dataset] table with one of corpus, text, tokens or jsonl")
		return
	}
	var set []string
	file := func(key string, v *string) string {
		if v == nil {
			return ""
		}
		set = append(set, key)
		if *v == "" {
			l.fail("dataset."+key, "empty")
			return ""
		}
		path := l.abs(*v)
		if err := readable(path); err != nil {
			l.fail("dataset."+key, "%v", err)
		}
		return path
	}
	p.Dataset.Tokens = file("tokens", d.Tokens)
	p.Dataset.Text = file("text", d.Text)
	p.Dataset.JSONL = file("jsonl", d.JSONL)
	if d.Corpus != nil {
		set = append(set, "corpus")
		if _, err := datasets.Corpus(*d.Corpus); err != nil {
			l.fail("dataset.corpus", "%v", err)
		}
		p.Dataset.Corpus = *d.Corpus
	}
	if len(set) != 1 {
		l.fail("dataset", "give exactly one of corpus, text, tokens or jsonl (got %d: %s)", len(set), strings.Join(set, ", "))
	}
	p.Dataset.Field = DefaultField
	if d.Field != nil {
		if d.JSONL == nil {
			l.fail("dataset.field", "only a jsonl dataset has a field")
		} else if *d.Field == "" {
			l.fail("dataset.field", "empty")
		}
		p.Dataset.Field = *d.Field
	}
}

func (l *loader) run(f *planFile, p *Plan) {
	r := f.Run
	o := RunOptions{SeqLen: DefaultSeqLen, GELU: DefaultGELU, Backend: DefaultBackend}
	l.intAtLeast("run.seq_len", r.SeqLen, 2, &o.SeqLen)
	l.intAtLeast("run.max_tokens", r.MaxTokens, 0, &o.MaxTokens)
	l.intAtLeast("run.skip_first", r.SkipFirst, 0, &o.SkipFirst)
	l.intAtLeast("run.threads", r.Threads, 0, &o.Threads)
	l.intAtLeast("run.device", r.Device, 0, &o.Device)
	if r.GELU != nil {
		if *r.GELU != "erf" && *r.GELU != "tanh" {
			l.fail("run.gelu", "%q: want erf or tanh", *r.GELU)
		}
		o.GELU = *r.GELU
	}
	if r.Loss != nil {
		o.Loss = *r.Loss
	}
	if r.NoSpecial != nil {
		o.NoSpecial = *r.NoSpecial
	}
	if r.AllowLong != nil {
		o.AllowLong = *r.AllowLong
	}
	if r.Backend != nil {
		o.Backend = *r.Backend
		if strings.ContainsRune(o.Backend, '/') {
			o.Backend = l.abs(o.Backend)
		}
		if o.Backend == "" {
			l.fail("run.backend", "empty")
		} else if l.r.Backend != nil {
			if err := l.r.Backend(o.Backend); err != nil {
				l.fail("run.backend", "%v", err)
			}
		}
	}
	if r.Tokenizer != nil {
		if *r.Tokenizer == "" {
			l.fail("run.tokenizer", "empty")
		} else {
			o.Tokenizer = l.abs(*r.Tokenizer)
			if err := readable(o.Tokenizer); err != nil {
				l.fail("run.tokenizer", "%v", err)
			}
		}
	}
	p.Run = o
}

// hubID is the shape of a Hugging Face repository id, ORG/NAME. The hub itself forbids "--" and ".." in names, so
// ORG--NAME, the output directory, is unambiguous.
var hubID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)

// revisionName is what a revision may be to name an output file.
var revisionName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// maxTasks bounds the tasks of one plan.
const maxTasks = 1_000_000

func (l *loader) models(f *planFile, p *Plan) {
	if len(f.Models) == 0 {
		l.fail("models", "missing: give at least one [[models]] table with a model key")
		return
	}
	tl := &taskList{l: l, p: p, owner: map[string]string{}}
	for i, m := range f.Models {
		key := fmt.Sprintf("models[%d]", i)
		if m.Model == nil || *m.Model == "" {
			l.fail(key+".model", "missing: give a hub id (ORG/NAME) or a model directory")
			continue
		}
		spec := *m.Model
		local := l.abs(spec)
		if st, err := os.Stat(local); err == nil && st.IsDir() {
			l.localModel(tl, key, local, m.Revisions != nil)
		} else if filepath.IsAbs(spec) || strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "~") || !hubID.MatchString(spec) {
			l.fail(key+".model", "%q: neither a model directory (%s does not exist) nor a hub id ORG/NAME", spec, local)
		} else {
			l.hubModel(tl, key, spec, m.Revisions)
		}
	}
}

// taskList gathers a plan's tasks, and fails the plan when two would write one file or when there are too many.
type taskList struct {
	l     *loader
	p     *Plan
	owner map[string]string // output path → the key of the task that writes it
	full  bool
}

func (tl *taskList) add(t Task) {
	if other, dup := tl.owner[t.Out]; dup {
		if other == t.Key {
			tl.l.fail(t.Key+".revisions", "%s is listed twice", t.Revision)
		} else {
			tl.l.fail(t.Key, "%s would write %s, which %s writes too; every task needs its own output file", t.Name(), t.Out, other)
		}
		return
	}
	if len(tl.p.Tasks) == maxTasks {
		if !tl.full {
			tl.l.fail(t.Key, "the plan has more than %d tasks; split it", maxTasks)
		}
		tl.full = true
		return
	}
	tl.owner[t.Out] = t.Key
	t.Index = len(tl.p.Tasks)
	tl.p.Tasks = append(tl.p.Tasks, t)
}

// localModel adds the task of a model directory, which writes OUT/DIR.parquet.
func (l *loader) localModel(tl *taskList, key, dir string, hasRevisions bool) {
	if hasRevisions {
		l.fail(key+".revisions", "a local directory has no revisions; name each checkpoint directory in its own [[models]] table")
		return
	}
	dir, id, err := l.r.Model(dir, "")
	if err != nil {
		l.fail(key+".model", "%v", err)
		return
	}
	tl.add(Task{Key: key, Model: id, Dir: dir, Out: filepath.Join(tl.p.Out, id+".parquet")})
}

// hubModel adds a task for each revision of a hub model, which writes OUT/ORG--NAME/REVISION.parquet. Revisions
// missing from the cache make one line, not one each.
func (l *loader) hubModel(tl *taskList, key, id string, patterns *[]string) {
	revs := []string{"main"}
	if patterns != nil {
		revs = nil
		if len(*patterns) == 0 {
			l.fail(key+".revisions", "empty; leave the key out for the main revision")
		}
		for _, pattern := range *patterns {
			names, err := Expand(pattern)
			if err != nil {
				l.fail(key+".revisions", "%v", err)
				continue
			}
			revs = append(revs, names...)
		}
	}
	outDir := filepath.Join(tl.p.Out, strings.ReplaceAll(id, "/", "--"))
	var missing []string
	var firstErr error
	for _, rev := range revs {
		if !revisionName.MatchString(rev) {
			l.fail(key+".revisions", "%q: a revision may hold only letters, digits, '.', '_' and '-', and start with a letter or digit", rev)
			continue
		}
		dir, recorded, err := l.r.Model(id, rev)
		if err != nil {
			missing = append(missing, rev)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		tl.add(Task{Key: key, Model: recorded, Revision: rev, Dir: dir, Out: filepath.Join(outDir, rev+".parquet")})
	}
	switch {
	case len(missing) == 0:
	case len(missing) == len(revs) && len(revs) == 1:
		l.fail(key+".model", "%v", firstErr)
	case len(missing) == len(revs):
		l.fail(key+".model", "%v (and the other %d revisions)", firstErr, len(revs)-1)
	default:
		l.fail(key+".revisions", "%d of %d revisions cannot be loaded: %s (first: %v)", len(missing), len(revs), listSome(missing, 5), firstErr)
	}
}

// hashes sets every task's options hash. A hub snapshot's directory is named after its commit, which identifies
// its files; a local directory's files are fingerprinted.
func (l *loader) hashes(p *Plan) {
	h, err := newHasher(p)
	if err != nil {
		l.fail("dataset", "%v", err)
		return
	}
	for i := range p.Tasks {
		t := &p.Tasks[i]
		commit := ""
		if t.Revision != "" {
			commit = filepath.Base(t.Dir)
		}
		if t.Hash, err = h.task(t.Model, t.Revision, t.Dir, commit); err != nil {
			l.fail(t.Key+".model", "%v", err)
		}
	}
}

// listSome joins the first n of names with commas, and says how many more there are.
func listSome(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:n], ", "), len(names)-n)
}

// readable checks that path is a regular file that can be opened.
func readable(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: no such file", path)
		}
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s: is a directory, not a file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// readBounded reads a file of at most limit bytes.
func readBounded(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%d bytes, more than a plan may have (%d)", st.Size(), limit)
	}
	return os.ReadFile(path)
}
