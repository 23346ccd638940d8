// Command bare answers GET /healthz and GET /api/v1/hello byte for byte as the API does, on
// 127.0.0.1:$PORT, with net/http alone: no router, no middleware, no logging. `just bench`
// measures the API against it.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, struct {
			Status string `json:"status"`
		}{"ok"})
	})
	mux.HandleFunc("GET /api/v1/hello", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "world"
		}
		writeJSON(w, struct {
			Message string `json:"message"`
		}{"Hello, " + name + "!"})
	})
	srv := &http.Server{Addr: "127.0.0.1:" + os.Getenv("PORT"), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintln(os.Stderr, "bare:", srv.ListenAndServe())
	os.Exit(1)
}

func writeJSON(w http.ResponseWriter, v any) {
	body, _ := json.Marshal(v) // of a struct of strings: cannot fail
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}
