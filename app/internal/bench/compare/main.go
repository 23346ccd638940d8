// Command compare loads the API binary and the bare net/http server (bareserver) with the same
// traffic from the hey load generator on loopback, and prints requests/s and p99 latency side by
// side, with each binary's size and memory. The API logs every request, as in production, to a
// file. `just bench` builds the three programs and runs it.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

func main() {
	if err := run(os.Args, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "compare: %s\n", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	appBin, bareBin, heyBin string
	paths                   []string
	duration, warmup        time.Duration
	connections, rounds     int
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.StringVar(&o.appBin, "app", "bin/bench/api", "the API binary")
	fs.StringVar(&o.bareBin, "bare", "bin/bench/bareserver", "the bare net/http server binary")
	fs.StringVar(&o.heyBin, "hey", "bin/bench/hey", "the hey load generator binary")
	paths := fs.String("paths", "/healthz,/api/v1/hello?name=bench", "comma-separated GET paths, served by both")
	fs.DurationVar(&o.duration, "duration", 6*time.Second, "length of one measured run")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load on each server before the first run")
	fs.IntVar(&o.connections, "c", 64, "concurrent connections")
	fs.IntVar(&o.rounds, "rounds", 5, "measured runs per server and path, interleaved; the median is reported")
	if err := fs.Parse(args[1:]); err != nil {
		return o, err
	}
	o.paths = strings.Split(*paths, ",")
	if o.rounds < 1 || o.connections < 1 || o.duration <= 0 {
		return o, errors.New("-rounds, -c and -duration must be positive")
	}
	return o, nil
}

func run(args []string, out io.Writer) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "gin-fargate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	appLogPath := filepath.Join(tmp, "app.log")
	appLog, err := os.Create(appLogPath)
	if err != nil {
		return err
	}
	defer appLog.Close()
	appPort, err := freePort()
	if err != nil {
		return err
	}
	app, err := start("app", o.appBin, nil, []string{
		"PORT=" + strconv.Itoa(appPort), "LOG_LEVEL=info", "APP_VERSION=bench",
	}, appLog, appPort)
	if err != nil {
		return err
	}
	defer app.stop()
	barePort, err := freePort()
	if err != nil {
		return err
	}
	bare, err := start("bare", o.bareBin, []string{"-addr", "127.0.0.1:" + strconv.Itoa(barePort)}, nil, io.Discard, barePort)
	if err != nil {
		return err
	}
	defer bare.stop()
	servers := []*server{app, bare}

	for _, path := range o.paths {
		if err := sameAnswer(app, bare, path); err != nil {
			return err
		}
	}
	for _, s := range servers {
		if _, err := hey(o.heyBin, s.base+o.paths[0], o.connections, o.warmup); err != nil {
			return fmt.Errorf("warm up %s: %w", s.name, err)
		}
	}

	results := map[string]map[string][]result{} // path -> server -> runs
	for round := range o.rounds {
		order := servers
		if round%2 == 1 {
			order = []*server{bare, app} // neither always runs first
		}
		for _, path := range o.paths {
			if results[path] == nil {
				results[path] = map[string][]result{}
			}
			for _, s := range order {
				before, err := cpuTime(s.cmd.Process.Pid)
				if err != nil {
					return err
				}
				r, err := hey(o.heyBin, s.base+path, o.connections, o.duration)
				if err != nil {
					return fmt.Errorf("%s %s: %w", s.name, path, err)
				}
				after, err := cpuTime(s.cmd.Process.Pid)
				if err != nil {
					return err
				}
				r.cpuPerRequest = (after - before) / time.Duration(r.requests)
				fmt.Fprintf(os.Stderr, "round %d/%d  %-4s %-28s %8.0f req/s  p99 %6.2f ms  %5.1f µs CPU/request\n",
					round+1, o.rounds, s.name, path, r.rps, r.p99.Seconds()*1000, micros(r.cpuPerRequest))
				results[path][s.name] = append(results[path][s.name], r)
			}
		}
	}

	for _, s := range servers {
		if s.hwm, s.rss, err = memory(s.cmd.Process.Pid); err != nil {
			return err
		}
		st, err := os.Stat(s.bin)
		if err != nil {
			return err
		}
		s.size = st.Size()
	}
	app.stop()
	logLines, err := countLines(appLogPath)
	if err != nil {
		return err
	}
	var appRequests int
	for _, byServer := range results {
		for _, r := range byServer["app"] {
			appRequests += r.requests
		}
	}
	if logLines < appRequests {
		return fmt.Errorf("the app logged %d lines for %d measured requests: logging was not on", logLines, appRequests)
	}

	report(out, o, results, servers, logLines)
	return nil
}

// result is one hey run.
type result struct {
	rps           float64
	p99           time.Duration
	requests      int
	cpuPerRequest time.Duration // the server's CPU time (user + system) per request
}

var (
	rpsLine    = regexp.MustCompile(`(?m)^\s*Requests/sec:\s*([0-9.]+)\s*$`)
	p99Line    = regexp.MustCompile(`(?m)^\s*99%+ in ([0-9.]+) secs\s*$`)
	statusLine = regexp.MustCompile(`(?m)^\s*\[(\d+)\]\s+(\d+) responses\s*$`)
)

// parseHey reads hey's summary. Every response must be a 200, and there must be no errors.
func parseHey(output string) (result, error) {
	var r result
	m := rpsLine.FindStringSubmatch(output)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in hey's output:\n%s", output)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	m = p99Line.FindStringSubmatch(output)
	if m == nil {
		return r, fmt.Errorf("no 99%% latency in hey's output:\n%s", output)
	}
	secs, _ := strconv.ParseFloat(m[1], 64)
	r.p99 = time.Duration(secs * float64(time.Second))
	for _, m := range statusLine.FindAllStringSubmatch(output, -1) {
		n, _ := strconv.Atoi(m[2])
		if m[1] != "200" {
			return r, fmt.Errorf("%d responses with status %s", n, m[1])
		}
		r.requests += n
	}
	if r.requests == 0 {
		return r, fmt.Errorf("no 200 responses in hey's output:\n%s", output)
	}
	if strings.Contains(output, "Error distribution:") {
		return r, fmt.Errorf("hey saw errors:\n%s", output[strings.Index(output, "Error distribution:"):])
	}
	return r, nil
}

func hey(bin, url string, connections int, d time.Duration) (result, error) {
	cmd := exec.Command(bin, "-z", d.String(), "-c", strconv.Itoa(connections), url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("%s: %w: %s", cmd, err, stderr.String())
	}
	return parseHey(stdout.String())
}

// server is a started server process.
type server struct {
	name, bin, base string
	cmd             *exec.Cmd
	exited          chan struct{}
	size            int64
	hwm, rss        int64 // bytes
}

func start(name, bin string, args, env []string, stdout io.Writer, port int) (*server, error) {
	s := &server{name: name, bin: bin, base: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = stdout, os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("%s not ready on %s after 10s: %v", name, s.base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the exit (SIGKILL after 10 s). It may be called more than once.
func (s *server) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// sameAnswer checks that both servers answer path with the same 200 body.
func sameAnswer(a, b *server, path string) error {
	var bodies [2][]byte
	for i, s := range []*server{a, b} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
		if err != nil {
			cancel()
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			return fmt.Errorf("GET %s from %s: %w", path, s.name, err)
		}
		bodies[i], err = io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s from %s: status %d, %v", path, s.name, resp.StatusCode, err)
		}
	}
	if !bytes.Equal(bodies[0], bodies[1]) {
		return fmt.Errorf("GET %s: %s answers %s but %s answers %s: the comparison would be unfair", path, a.name, bodies[0], b.name, bodies[1])
	}
	return nil
}

// memory reads the peak and current resident set size of a process from /proc.
func memory(pid int) (hwm, rss int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read memory of pid %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, _ := strconv.ParseInt(fields[0], 10, 64)
		switch key {
		case "VmHWM":
			hwm = kb << 10
		case "VmRSS":
			rss = kb << 10
		}
	}
	if hwm == 0 || rss == 0 {
		return 0, 0, fmt.Errorf("no VmHWM/VmRSS in /proc/%d/status", pid)
	}
	return hwm, rss, sc.Err()
}

// cpuTime reads the user and system CPU time a process has used, all threads included, from
// /proc/<pid>/stat (fields 14 and 15, in USER_HZ ticks, which Linux fixes at 100 per second).
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time of pid %d: %w", pid, err)
	}
	// The command name (field 2) may hold spaces; the fields after it start past its ')'.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("read CPU time of pid %d: short /proc stat %q", pid, data)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("read CPU time of pid %d: %w", pid, err)
	}
	const userHZ = 100
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	buf := make([]byte, 1<<20)
	for {
		k, err := f.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// median returns the median of f over the runs.
func median(runs []result, f func(result) float64) float64 {
	values := make([]float64, len(runs))
	for i, r := range runs {
		values[i] = f(r)
	}
	return medianOf(values)
}

func medianOf(values []float64) float64 {
	values = slices.Sorted(slices.Values(values))
	if n := len(values); n%2 == 0 {
		return (values[n/2-1] + values[n/2]) / 2
	}
	return values[len(values)/2]
}

// pairedRatio is the median over the rounds of f(num[i]) / f(den[i]).
func pairedRatio(num, den []result, f func(result) float64) float64 {
	ratios := make([]float64, 0, len(num))
	for i := range min(len(num), len(den)) {
		ratios = append(ratios, f(num[i])/f(den[i]))
	}
	return medianOf(ratios)
}

func report(out io.Writer, o options, results map[string]map[string][]result, servers []*server, logLines int) {
	fmt.Fprintf(out, "\n%s, %s/%s, %d CPUs (%s), %s\n", time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), cpuModel(), runtime.Version())
	fmt.Fprintf(out, "hey -c %d for %s per run, %d rounds of back-to-back runs per path; medians, ratios taken per round.\n",
		o.connections, o.duration, o.rounds)
	fmt.Fprintf(out, "hey shares the CPUs with the server. capacity: the server's CPU time per request, bare's divided by the app's:\n"+
		"the share of bare's throughput the app keeps when CPU-bound, steadier than requests/s on a machine whose load varies.\n\n")

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "endpoint\tserver\trequests/s\tof bare\tp99\tCPU/request\tcapacity\t")
	rps := func(r result) float64 { return r.rps }
	cpu := func(r result) float64 { return micros(r.cpuPerRequest) }
	for _, path := range o.paths {
		// Ratios pair the app's and bare's runs of the same round, which ran back to back, so that
		// a change in the machine's load between rounds cancels out.
		rpsRatio := pairedRatio(results[path]["app"], results[path]["bare"], rps)
		cpuRatio := pairedRatio(results[path]["bare"], results[path]["app"], cpu)
		for i, s := range servers {
			p99 := median(results[path][s.name], func(r result) float64 { return r.p99.Seconds() * 1000 })
			label, rpsShare, cpuShare := "", "", ""
			if i == 0 {
				label = "GET " + path
				rpsShare = fmt.Sprintf("%.0f%%", 100*rpsRatio)
				cpuShare = fmt.Sprintf("%.0f%%", 100*cpuRatio)
			}
			fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%.1f ms\t%.1f µs\t%s\t\n", label, s.name,
				median(results[path][s.name], rps), rpsShare, p99, median(results[path][s.name], cpu), cpuShare)
		}
	}
	_ = tw.Flush()

	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tbinary size\tpeak RSS (VmHWM)\tRSS after load (VmRSS)\t")
	for _, s := range servers {
		fmt.Fprintf(tw, "%s\t%.1f MiB\t%.1f MiB\t%.1f MiB\t\n", s.name, mib(s.size), mib(s.hwm), mib(s.rss))
	}
	_ = tw.Flush()
	fmt.Fprintf(out, "\nThe app wrote %d JSON access log lines (LOG_LEVEL=info, to a file).\n", logLines)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if key, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}
