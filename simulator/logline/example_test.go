package logline_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/sandbox-dev/fintech-sandbox/simulator/logline"
)

// The request line, as the sandbox writes it (simulator.logRequest), in
// both formats.
func Example() {
	h := logline.NewText(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug})
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "request", 0) // no time: a stable example
	r.AddAttrs(slog.String("session", "default"), slog.String("method", "GET"), slog.String("path", "/multi/consumers"),
		slog.String("operation", "weavr.consumerGet"), slog.Int("status", 200), slog.String("scenario", ""),
		slog.String("request-ref", ""), slog.Duration("took", 87*time.Microsecond))
	_ = h.Handle(context.Background(), r)
	_ = logline.NewJSON(os.Stdout, nil).Handle(context.Background(), r)
	// Output:
	// level=INFO msg=request session=default method=GET path=/multi/consumers operation=weavr.consumerGet status=200 scenario="" request-ref="" took=87µs
	// {"level":"INFO","msg":"request","session":"default","method":"GET","path":"/multi/consumers","operation":"weavr.consumerGet","status":200,"scenario":"","request-ref":"","took":87000}
}
