// Loads the sqlite-rnn extension into a Node.js SQLite connection.
//
//   const Database = require("better-sqlite3");
//   const sqliteRnn = require("sqlite-rnn");
//   const db = new Database(":memory:");
//   sqliteRnn.load(db);
//   db.prepare("SELECT rnn_version() AS v").get().v;
//
// The package holds the compiled extension (rnn.so) beside this file; the
// directory bindings/node in the source tree is a template without it,
// which bindings/build.sh (`make node-package`) copies with the library
// added and the version filled in.
"use strict";

const fs = require("fs");
const path = require("path");

const LIBRARY = "rnn.so";

// Returns the absolute path of the rnn.so shipped in this package; throws
// when the package was built without it.
function getLoadablePath() {
  const file = path.join(__dirname, LIBRARY);
  if (!fs.existsSync(file)) {
    throw new Error(
      `sqlite-rnn: ${file} does not exist; this is the package source ` +
        "without the compiled extension: build the package with " +
        "`make node-package` in the sqlite-rnn tree and use the copy it writes"
    );
  }
  return file;
}

// Loads sqlite-rnn into db, any connection with loadExtension(path) as
// better-sqlite3's Database has. SQLite finds the entry point
// sqlite3_rnn_init from the file name.
function load(db) {
  if (!db || typeof db.loadExtension !== "function") {
    throw new TypeError(
      "sqlite-rnn: load(db) needs a connection with a loadExtension(path) " +
        "method, such as a better-sqlite3 Database"
    );
  }
  db.loadExtension(getLoadablePath());
}

module.exports = { getLoadablePath, load };
