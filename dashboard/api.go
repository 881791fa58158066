package dashboard

// registerAPI adds the read-only JSON API.
func (p *pages) registerAPI() {}
