package dashboard

// registerAnalysis adds the uncertainty, methodology and data-quality pages.
func (p *pages) registerAnalysis() {}
