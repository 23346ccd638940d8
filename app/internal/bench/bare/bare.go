// Package bare serves the same JSON as the API's GET /healthz and GET /api/v1/hello with net/http
// alone: no router, no middleware, no logging. It is the baseline the benchmarks measure the API
// against, in process (app/bench_test.go) and on loopback (bareserver, driven by `just bench`).
package bare

import (
	"encoding/json"
	"net/http"
)

// Handler answers exactly what the API answers on these two routes, byte for byte.
func Handler() http.Handler {
	type status struct {
		Status string `json:"status"`
	}
	type greeting struct {
		Message string `json:"message"`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, status{Status: "ok"})
	})
	mux.HandleFunc("GET /api/v1/hello", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "world"
		}
		writeJSON(w, greeting{Message: "Hello, " + name + "!"})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}
