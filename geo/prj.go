package geo

import (
	"regexp"
	"strconv"
	"strings"
)

// SRIDFromWKT returns the EPSG code of a CRS in WKT, as found in a
// Shapefile's .prj: the root's AUTHORITY["EPSG","n"] (WKT 1) or ID["EPSG",n]
// (WKT 2) when present, else a recognised CRS name: SWEREF99 TM (3006),
// WGS 84 (4326), ETRS89 (4258), ETRS89 LAEA Europe (3035), RT90 2.5 gon V
// (3021), Web Mercator (3857). ESRI's .prj files usually carry names only.
func SRIDFromWKT(wkt string) (int, bool) {
	s := strings.TrimSpace(wkt)
	if s == "" {
		return 0, false
	}
	// The root's authority is the last one in WKT 1 and WKT 2 alike: nested
	// elements (datum, units, base CRS) close before it.
	if m := wktAuthority().FindAllStringSubmatch(s, -1); len(m) > 0 && rootHasAuthority(s) {
		if code, err := strconv.Atoi(m[len(m)-1][1]); err == nil {
			return code, true
		}
	}
	root, name := wktRoot(s)
	n := strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(strings.ToUpper(name))
	n = strings.Join(strings.Fields(n), " ")
	projected := root == "PROJCS" || root == "PROJCRS" || root == "PROJECTEDCRS"
	switch {
	case projected && strings.HasPrefix(n, "SWEREF99 TM"):
		return SRIDSWEREF99TM, true
	case projected && strings.Contains(n, "RT90") && (strings.Contains(n, "2 5 GON V") || strings.Contains(n, "25 GON V")):
		return SRIDRT90, true
	case projected && strings.Contains(n, "ETRS") && (strings.Contains(n, "LAEA") || strings.Contains(n, "LAMBERT AZIMUTHAL")):
		return SRIDETRS89LAEA, true
	case projected && (strings.Contains(n, "PSEUDO MERCATOR") || strings.Contains(n, "WEB MERCATOR")):
		return SRIDWebMercator, true
	case !projected && (n == "WGS 84" || n == "GCS WGS 1984" || n == "WGS84"):
		return SRIDWGS84, true
	case !projected && (n == "ETRS89" || n == "GCS ETRS 1989"):
		return SRIDETRS89, true
	}
	return 0, false
}

func wktAuthority() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:AUTHORITY|ID)\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]`)
}

// wktRoot returns the keyword and name of the outermost WKT element.
func wktRoot(s string) (keyword, name string) {
	i := strings.IndexAny(s, "[(")
	if i < 0 {
		return "", ""
	}
	keyword = strings.ToUpper(strings.TrimSpace(s[:i]))
	rest := s[i+1:]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		if k := strings.IndexByte(rest[j+1:], '"'); k >= 0 {
			name = rest[j+1 : j+1+k]
		}
	}
	return keyword, name
}

// rootHasAuthority reports whether the last AUTHORITY or ID sits directly in
// the root element (depth 1), not in a nested one such as the datum.
func rootHasAuthority(s string) bool {
	u := strings.ToUpper(s)
	last := max(strings.LastIndex(u, "AUTHORITY["), strings.LastIndex(u, "ID["))
	if last < 0 {
		return false
	}
	depth := 0
	for _, c := range u[:last] {
		switch c {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		}
	}
	return depth == 1
}
