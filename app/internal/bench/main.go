// Command bench loads the API and bare net/http (./bare) side by side on loopback with the hey
// load generator and prints, per path and server, the medians over interleaved rounds of
// requests/s, p99 latency and CPU time per request, then each binary's size and peak memory. The
// API logs every request, as in production, to a file. `just bench` builds the programs and runs it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s\n", err)
		os.Exit(1)
	}
}

// result is one measured run: requests/s, p99 in ms, CPU µs per request.
type result struct{ rps, p99, cpu float64 }

func run() error {
	api := flag.String("api", "bin/bench/api", "the API binary")
	bare := flag.String("bare", "bin/bench/bare", "the bare net/http binary")
	hey := flag.String("hey", "bin/bench/hey", "the hey load generator")
	pathList := flag.String("paths", "/healthz,/api/v1/hello?name=bench", "comma-separated GET paths both serve")
	conns := flag.Int("c", 64, "concurrent connections")
	duration := flag.Duration("duration", 5*time.Second, "length of one measured run")
	rounds := flag.Int("rounds", 5, "measured runs per server and path, interleaved")
	flag.Parse()
	paths := strings.Split(*pathList, ",")

	logFile, err := os.CreateTemp("", "bench-api-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(logFile.Name())
	defer logFile.Close()
	names, bins, bases, cmds := []string{"api", "bare"}, []string{*api, *bare}, make([]string, 2), make([]*exec.Cmd, 2)
	for i, bin := range bins {
		ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port, for the server to take over
		if err != nil {
			return err
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		bases[i], cmds[i] = "http://127.0.0.1:"+port, exec.Command(bin)
		cmds[i].Env, cmds[i].Stderr = []string{"PORT=" + port, "LOG_LEVEL=info", "APP_VERSION=bench"}, os.Stderr
		if i == 0 {
			cmds[i].Stdout = logFile
		}
		if err := cmds[i].Start(); err != nil {
			return fmt.Errorf("start %s: %w", bin, err)
		}
		defer cmds[i].Process.Kill()
	}
	for _, path := range paths {
		apiBody, err1 := ready(bases[0] + path)
		bareBody, err2 := ready(bases[1] + path)
		if err1 != nil || err2 != nil || !bytes.Equal(apiBody, bareBody) {
			return fmt.Errorf("GET %s: the API answers %q (%v), bare %q (%v): not a fair comparison", path, apiBody, err1, bareBody, err2)
		}
	}

	results := map[string][]result{} // by path and server name
	requests := 0                    // measured ones, by the API
	for round := range *rounds + 1 { // round 0 warms up and is not counted
		for _, path := range paths {
			for j := range 2 {
				i := (j + round) % 2 // neither always runs first
				before := cpuTime(cmds[i].Process.Pid)
				out, err := exec.Command(*hey, "-z", duration.String(), "-c", strconv.Itoa(*conns), bases[i]+path).CombinedOutput()
				if err != nil {
					return fmt.Errorf("hey %s: %w\n%s", bases[i]+path, err, out)
				}
				rps, p99, n, err := parseHey(string(out))
				if err != nil {
					return fmt.Errorf("%s %s: %w", names[i], path, err)
				}
				cpu := float64(cpuTime(cmds[i].Process.Pid)-before) / float64(time.Microsecond) / float64(n)
				if round > 0 {
					results[path+names[i]] = append(results[path+names[i]], result{rps, 1000 * p99, cpu})
					if i == 0 {
						requests += n
					}
				}
			}
		}
	}

	fmt.Printf("%s, %d CPUs (%s), %s; hey -c %d, %d rounds of %s; medians, ratios per round\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.NumCPU(), cpuModel(), runtime.Version(), *conns, *rounds, *duration)
	fmt.Printf("%-30s %-5s %11s %8s %9s %13s\n", "", "", "requests/s", "of bare", "p99", "CPU/request")
	for _, path := range paths {
		for _, name := range names {
			runs, bareRuns := results[path+name], results[path+"bare"]
			// Ratios per round: the two servers ran back to back, under the same load.
			ratio := median(runs, func(j int, r result) float64 { return 100 * r.rps / bareRuns[j].rps })
			fmt.Printf("%-30s %-5s %11.0f %7.0f%% %6.1f ms %10.1f µs\n", "GET "+path, name, median(runs, func(_ int, r result) float64 { return r.rps }),
				ratio, median(runs, func(_ int, r result) float64 { return r.p99 }), median(runs, func(_ int, r result) float64 { return r.cpu }))
		}
	}
	for i, bin := range bins {
		st, err := os.Stat(bin)
		if err != nil {
			return err
		}
		fmt.Printf("\n%-5s binary %.1f MiB, peak RSS %.1f MiB", names[i], float64(st.Size())/(1<<20), float64(peakRSS(cmds[i].Process.Pid))/(1<<20))
	}

	// Every request logged: stop the API (it writes what its log holds on SIGTERM) and count the lines.
	_ = cmds[0].Process.Signal(syscall.SIGTERM)
	_ = cmds[0].Wait()
	logged, err := os.ReadFile(logFile.Name())
	if lines := bytes.Count(logged, []byte("\n")); err != nil || lines < requests {
		return fmt.Errorf("the API logged %d lines (%v) for %d requests: logging was not on", lines, err, requests)
	}
	fmt.Printf("\n\nThe API wrote a JSON log line for each of its %d measured requests.\n", requests)
	return nil
}

// ready waits until url answers 200 and returns the body.
func ready(url string) ([]byte, error) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return body, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("GET %s: not ready after 10s: %v", url, err)
		}
	}
}

// parseHey reads hey's summary: requests/s, p99 in seconds and the number of responses, every one
// of which must be a 200.
func parseHey(out string) (rps, p99 float64, n int, err error) {
	rpsMatch := regexp.MustCompile(`Requests/sec:\s*([0-9.]+)`).FindStringSubmatch(out)
	p99Match := regexp.MustCompile(`99%+ in ([0-9.]+) secs`).FindStringSubmatch(out)
	if rpsMatch == nil || p99Match == nil || strings.Contains(out, "Error distribution") {
		return 0, 0, 0, fmt.Errorf("hey failed:\n%s", out)
	}
	for _, m := range regexp.MustCompile(`\[(\d+)\]\s+(\d+) responses`).FindAllStringSubmatch(out, -1) {
		if m[1] != "200" {
			return 0, 0, 0, fmt.Errorf("status %s in hey's run:\n%s", m[1], out)
		}
		count, _ := strconv.Atoi(m[2])
		n += count
	}
	rps, _ = strconv.ParseFloat(rpsMatch[1], 64)
	p99, _ = strconv.ParseFloat(p99Match[1], 64)
	return rps, p99, n, nil
}

// cpuTime is the user and system CPU time of a process, every thread included: fields 14 and 15
// of /proc/<pid>/stat, in the 100 Hz ticks Linux reports them in.
func cpuTime(pid int) time.Duration {
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])) // after the command name
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100
}

// peakRSS is the process's peak resident set size (VmHWM), in bytes.
func peakRSS(pid int) int64 {
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	var kb int64
	if _, after, ok := bytes.Cut(status, []byte("VmHWM:")); ok {
		_, _ = fmt.Sscan(string(after), &kb)
	}
	return kb << 10
}

func cpuModel() string {
	info, _ := os.ReadFile("/proc/cpuinfo")
	_, after, _ := strings.Cut(string(info), "model name")
	line, _, _ := strings.Cut(after, "\n")
	return strings.TrimSpace(strings.TrimLeft(line, "\t :"))
}

// median is the median of f over the runs.
func median(runs []result, f func(int, result) float64) float64 {
	var values []float64
	for j, r := range runs {
		values = append(values, f(j, r))
	}
	slices.Sort(values)
	return (values[(len(values)-1)/2] + values[len(values)/2]) / 2
}
