package oascheck

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"gopkg.in/yaml.v3"
)

// Webhooks validates webhook deliveries (requests the sandbox sends)
// against a document's OpenAPI 3.1 `webhooks` section. libopenapi-validator
// validates requests to `paths` only, so the document is rewritten once:
// its webhooks become its paths, under a neutral server URL. It is safe for
// concurrent use.
type Webhooks struct {
	mu sync.Mutex
	v  validator.Validator
}

const webhookServer = "http://receiver.invalid"

// NewWebhooks parses a document holding a `webhooks` section.
func NewWebhooks(raw []byte) (*Webhooks, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("oascheck: parse webhooks document: %w", err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("oascheck: webhooks document is not a mapping")
	}
	top := root.Content[0]
	var hooks *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "webhooks" {
			hooks = top.Content[i+1]
		}
	}
	if hooks == nil {
		return nil, fmt.Errorf("oascheck: the document has no webhooks section")
	}
	servers := &yaml.Node{}
	if err := servers.Encode([]map[string]string{{"url": webhookServer}}); err != nil {
		return nil, err
	}
	var content []*yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		switch top.Content[i].Value {
		case "webhooks":
		case "paths":
			content = append(content, top.Content[i], hooks)
		case "servers":
			content = append(content, top.Content[i], servers)
		default:
			content = append(content, top.Content[i], top.Content[i+1])
		}
	}
	top.Content = content
	out, err := yaml.Marshal(&root)
	if err != nil {
		return nil, err
	}
	doc, err := libopenapi.NewDocument(out)
	if err != nil {
		return nil, fmt.Errorf("oascheck: parse: %w", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		return nil, fmt.Errorf("oascheck: build validator: %v", errs)
	}
	return &Webhooks{v: v}, nil
}

// Check validates one delivery: the event path (e.g. /consumers/kyc/watch,
// the part after the receiver's URL), its headers and its body. It returns
// one line per violation (nil when the delivery is as documented).
func (w *Webhooks) Check(path string, header http.Header, body []byte) []string {
	u, err := url.Parse(webhookServer + path)
	if err != nil {
		return []string{err.Error()}
	}
	req := &http.Request{Method: http.MethodPost, URL: u, Header: header.Clone(), Host: u.Host,
		Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
	w.mu.Lock()
	ok, verrs := w.v.ValidateHttpRequest(req)
	w.mu.Unlock()
	if ok {
		return nil
	}
	return describe("webhook "+path, verrs)
}
