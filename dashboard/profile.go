package dashboard

// registerProfile adds the department profile and compare pages.
func (p *pages) registerProfile() {}
