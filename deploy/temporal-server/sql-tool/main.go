// Temporal's SQL schema tool (create, setup-schema, update-schema), built from the same server version as
// temporal-server so the schema it applies is the one the server expects.
package main

import (
	"os"

	_ "go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql" // PostgreSQL schemas
	"go.temporal.io/server/tools/sql"
)

func main() {
	if err := sql.RunTool(os.Args); err != nil {
		os.Exit(1)
	}
}
