package main

import "testing"

// TestStackProfileReachesTheProvider: an explicit provider reads no aws:* stack config, so the
// program passes aws:profile on, and the provider deploys with the account the watch follows.
func TestStackProfileReachesTheProvider(t *testing.T) {
	t.Parallel()
	run := mustRun(t, asPreview(), withConfig(map[string]string{"aws:profile": "deploy"}))
	if got := run.named(t, providerType, "aws").str("profile"); got != "deploy" {
		t.Errorf("provider profile = %q, want aws:profile deploy", got)
	}
}
