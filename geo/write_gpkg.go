package geo

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver behind GeoPackage
)

// srsDefinitions are the WKT definitions written to gpkg_spatial_ref_sys for
// the CRSs bbplan uses; others are written as "undefined", which GDAL accepts.
var srsDefinitions = map[int]struct{ name, wkt string }{
	4326: {"WGS 84 geodetic", `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`},
	3006: {"SWEREF99 TM", `PROJCS["SWEREF99 TM",GEOGCS["SWEREF99",DATUM["SWEREF99",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6619"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4619"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",15],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Northing",NORTH],AXIS["Easting",EAST],AUTHORITY["EPSG","3006"]]`},
	3035: {"ETRS89-extended / LAEA Europe", `PROJCS["ETRS89-extended / LAEA Europe",GEOGCS["ETRS89",DATUM["European_Terrestrial_Reference_System_1989",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],TOWGS84[0,0,0,0,0,0,0],AUTHORITY["EPSG","6258"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4258"]],PROJECTION["Lambert_Azimuthal_Equal_Area"],PARAMETER["latitude_of_center",52],PARAMETER["longitude_of_center",10],PARAMETER["false_easting",4321000],PARAMETER["false_northing",3210000],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Northing",NORTH],AXIS["Easting",EAST],AUTHORITY["EPSG","3035"]]`},
}

// gpkgSchema is the GeoPackage 1.3 metadata every file needs (the required
// tables and the three mandatory spatial reference systems).
const gpkgSchema = `
PRAGMA application_id = 1196444487;
PRAGMA user_version = 10300;
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
`

// gpkgRtree is the GeoPackage spatial index (extension gpkg_rtree_index) of
// table {{t}}, geometry column "geom" and key "fid": the index table and the
// registration, written before the features.
const gpkgRtree = `
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
INSERT INTO gpkg_extensions VALUES ('{{t}}', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE "rtree_{{t}}_geom" USING rtree(id, minx, maxx, miny, maxy);
`

// gpkgRtreeTriggers keep the index in step with later edits (by GDAL or
// QGIS, which provide the ST_ functions); they are created after the
// features, which this writer indexes itself.
const gpkgRtreeTriggers = `
CREATE TRIGGER "rtree_{{t}}_geom_insert" AFTER INSERT ON "{{t}}"
  WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO "rtree_{{t}}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER "rtree_{{t}}_geom_update1" AFTER UPDATE OF geom ON "{{t}}"
  WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO "rtree_{{t}}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER "rtree_{{t}}_geom_update2" AFTER UPDATE OF geom ON "{{t}}"
  WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM "rtree_{{t}}_geom" WHERE id = OLD.fid;
END;
CREATE TRIGGER "rtree_{{t}}_geom_update3" AFTER UPDATE OF geom ON "{{t}}"
  WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM "rtree_{{t}}_geom" WHERE id = OLD.fid;
  INSERT OR REPLACE INTO "rtree_{{t}}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER "rtree_{{t}}_geom_update4" AFTER UPDATE ON "{{t}}"
  WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM "rtree_{{t}}_geom" WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER "rtree_{{t}}_geom_delete" AFTER DELETE ON "{{t}}"
  WHEN old.geom NOT NULL
BEGIN
  DELETE FROM "rtree_{{t}}_geom" WHERE id = OLD.fid;
END;
`

// gpkgWriter writes one feature table of a new GeoPackage inside one
// transaction, committed by Close.
type gpkgWriter struct {
	path  string
	db    *sql.DB
	tx    *sql.Tx
	stmt  *sql.Stmt
	rtree *sql.Stmt // spatial index rows; nil without geometry
	s     LayerSchema
	env   orb.Bound
	has   bool
	n     int
	args  []any
	gbuf  []byte
	close bool
}

// CreateGeoPackage creates the GeoPackage file path (replacing any file there)
// with one feature layer (or attribute table when s has no geometry type)
// named s.Name. Geometries are stored as GeoPackage binary: the "GP" header
// with SRID and envelope, then WKB.
func CreateGeoPackage(path string, s LayerSchema) (Writer, error) {
	if s.Name == "" {
		return nil, errors.New("geopackage: a layer name is needed")
	}
	for _, name := range append([]string{s.Name}, fieldNames(s.Fields)...) {
		if !safeIdent(name) {
			return nil, fmt.Errorf("geopackage %s: %q is not a plain identifier", path, name)
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("geopackage: %w", err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return nil, fmt.Errorf("geopackage %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	gw := &gpkgWriter{path: path, db: db, s: s, env: orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}}
	if err := gw.create(); err != nil {
		db.Close()
		return nil, fmt.Errorf("geopackage %s: %w", path, err)
	}
	return gw, nil
}

func fieldNames(fs []FieldDef) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// safeIdent allows only names that need no quoting rules beyond double quotes.
func safeIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (gw *gpkgWriter) create() error {
	ctx := context.Background()
	s := gw.s
	if _, err := gw.db.ExecContext(ctx, gpkgSchema); err != nil {
		return err
	}
	if s.SRID > 0 {
		def, ok := srsDefinitions[s.SRID]
		if !ok {
			def.name, def.wkt = fmt.Sprintf("EPSG:%d", s.SRID), "undefined"
		}
		if _, err := gw.db.ExecContext(ctx, `INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, '')`,
			def.name, s.SRID, s.SRID, def.wkt); err != nil {
			return err
		}
	}
	if s.SRID != 4326 {
		def := srsDefinitions[4326]
		if _, err := gw.db.ExecContext(ctx, `INSERT INTO gpkg_spatial_ref_sys VALUES (?, 4326, 'EPSG', 4326, ?, '')`, def.name, def.wkt); err != nil {
			return err
		}
	}
	var cols, marks strings.Builder
	cols.WriteString(`"fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL`)
	marks.WriteString("?")
	if s.GeometryType != "" {
		cols.WriteString(`, "geom" ` + strings.ToUpper(s.GeometryType))
		marks.WriteString(", ?")
	}
	for _, f := range s.Fields {
		typ := map[FieldKind]string{FieldString: "TEXT", FieldInt: "INTEGER", FieldFloat: "REAL", FieldBool: "BOOLEAN"}[f.Kind]
		fmt.Fprintf(&cols, `, "%s" %s`, f.Name, typ)
		marks.WriteString(", ?")
	}
	if _, err := gw.db.ExecContext(ctx, `CREATE TABLE "`+s.Name+`" (`+cols.String()+`)`); err != nil {
		return err
	}
	// The layer name is a checked plain identifier (safeIdent).
	if s.GeometryType != "" {
		if _, err := gw.db.ExecContext(ctx, strings.ReplaceAll(gpkgRtree, "{{t}}", s.Name)); err != nil {
			return err
		}
	}
	var err error
	if gw.tx, err = gw.db.BeginTx(ctx, nil); err != nil {
		return err
	}
	gw.stmt, err = gw.tx.PrepareContext(ctx, `INSERT INTO "`+s.Name+`" VALUES (`+marks.String()+`)`)
	if err != nil {
		return err
	}
	if s.GeometryType != "" {
		if gw.rtree, err = gw.tx.PrepareContext(ctx, `INSERT INTO "rtree_`+s.Name+`_geom" VALUES (?, ?, ?, ?, ?)`); err != nil {
			return err
		}
	}
	gw.args = make([]any, 0, len(s.Fields)+2)
	return nil
}

func (gw *gpkgWriter) Write(f *Feature) error {
	gw.n++
	gw.args = append(gw.args[:0], gw.n)
	if gw.s.GeometryType != "" {
		if f.Geometry == nil {
			gw.args = append(gw.args, nil)
		} else {
			blob, err := gw.geometry(f.Geometry)
			if err != nil {
				return fmt.Errorf("geopackage %s: feature %d: %w", gw.path, gw.n, err)
			}
			gw.args = append(gw.args, blob)
		}
	}
	for _, fd := range gw.s.Fields {
		v, err := fieldValue(fd, f.Properties[fd.Name])
		if err != nil {
			return fmt.Errorf("geopackage %s: feature %d: %w", gw.path, gw.n, err)
		}
		gw.args = append(gw.args, v)
	}
	if _, err := gw.stmt.Exec(gw.args...); err != nil {
		return fmt.Errorf("geopackage %s: feature %d: %w", gw.path, gw.n, err)
	}
	if env, ok := bound(f.Geometry); ok && gw.rtree != nil {
		if _, err := gw.rtree.Exec(gw.n, env.Min[0], env.Max[0], env.Min[1], env.Max[1]); err != nil {
			return fmt.Errorf("geopackage %s: feature %d: spatial index: %w", gw.path, gw.n, err)
		}
	}
	return nil
}

// geometry encodes g as a GeoPackage binary blob and grows the layer envelope.
func (gw *gpkgWriter) geometry(g orb.Geometry) ([]byte, error) {
	body, err := wkb.Marshal(g, binary.LittleEndian)
	if err != nil {
		return nil, err
	}
	b := gw.gbuf[:0]
	env, ok := bound(g)
	// flags: bit 0 little-endian; bits 1-3 envelope (1 = xy); bit 4 empty.
	flags := byte(1)
	_, point := g.(orb.Point)
	switch {
	case !ok:
		flags |= 1 << 4
	case !point:
		flags |= 1 << 1
	}
	b = append(b, 'G', 'P', 0, flags)
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(gw.s.SRID)))
	if ok && !point {
		for _, v := range []float64{env.Min[0], env.Max[0], env.Min[1], env.Max[1]} {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	b = append(b, body...)
	gw.gbuf = b
	if ok {
		gw.env = gw.env.Union(env)
		gw.has = true
	}
	return b, nil
}

func (gw *gpkgWriter) Close() error {
	if gw.close {
		return nil
	}
	gw.close = true
	err := gw.finish()
	if cerr := gw.db.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("geopackage %s: %w", gw.path, err)
	}
	return nil
}

func (gw *gpkgWriter) finish() error {
	gw.stmt.Close()
	s := gw.s
	modified := s.Modified
	if modified.IsZero() {
		modified = time.Now()
	}
	stamp := modified.UTC().Format("2006-01-02T15:04:05.000Z")
	var minX, minY, maxX, maxY any
	if gw.has {
		minX, minY, maxX, maxY = gw.env.Min[0], gw.env.Min[1], gw.env.Max[0], gw.env.Max[1]
	}
	dataType := "features"
	if s.GeometryType == "" {
		dataType = "attributes"
	}
	srid := s.SRID
	if srid <= 0 {
		srid = -1
	}
	if _, err := gw.tx.Exec(`INSERT INTO gpkg_contents VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?)`,
		s.Name, dataType, s.Name, stamp, minX, minY, maxX, maxY, srid); err != nil {
		gw.tx.Rollback()
		return err
	}
	if s.GeometryType != "" {
		gw.rtree.Close()
		if _, err := gw.tx.Exec(`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)`,
			s.Name, strings.ToUpper(s.GeometryType), srid); err != nil {
			gw.tx.Rollback()
			return err
		}
		if _, err := gw.tx.Exec(strings.ReplaceAll(gpkgRtreeTriggers, "{{t}}", s.Name)); err != nil {
			gw.tx.Rollback()
			return err
		}
	}
	return gw.tx.Commit()
}
