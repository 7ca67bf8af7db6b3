/* The baseline for bench/cold-start: the SQL that `register-card` runs to issue a virtual card to a
 * new customer, in C over libpq, with the same connection settings. It takes the customer's external
 * id and the card number as arguments instead of parsing a JSON event. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

static PGresult *run(PGconn *conn, const char *sql, int n, const char *const *params) {
    PGresult *result = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        fprintf(stderr, "%s\n", PQerrorMessage(conn));
        exit(70);
    }
    return result;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: register_card EXTERNAL_ID CARD_NUMBER\n"); return 64; }
    const char *keywords[] = {"options", "connect_timeout", "application_name", "client_encoding", "dbname", NULL};
    const char *values[] = {"-c statement_timeout=5000 -c TimeZone=UTC -c DateStyle=ISO", "3", "register-card-c", "UTF8",
                            getenv("DATABASE_URL"), NULL};
    PGconn *conn = PQconnectdbParams(keywords, values, 1);
    if (PQstatus(conn) != CONNECTION_OK) { fprintf(stderr, "%s\n", PQerrorMessage(conn)); return 75; }
    const char *programme = "default";
    PQclear(run(conn, "BEGIN", 0, NULL));
    PQclear(run(conn, "SELECT id, name, currency, card_prefix, card_length, default_country_code, agreement_required\n"
                      "FROM programmes WHERE id = $1", 1, (const char *[]){programme}));
    PQclear(run(conn, "SELECT id, external_id, email, phone FROM customers\n"
                      "WHERE programme_id = $1\n"
                      "  AND (external_id = $2 OR email = $3 OR phone = $4)\n"
                      "ORDER BY id FOR UPDATE", 4, (const char *[]){programme, argv[1], NULL, NULL}));
    PGresult *customer = run(conn, "INSERT INTO customers (programme_id, external_id, email, phone, name, locale)\n"
                                   "VALUES ($1, $2, $3, $4,\n        $5, $6)\n"
                                   "ON CONFLICT DO NOTHING RETURNING id", 6,
                             (const char *[]){programme, argv[1], NULL, NULL, NULL, NULL});
    const char *customer_id = PQgetvalue(customer, 0, 0);
    PQclear(run(conn, "SELECT number FROM cards WHERE customer_id = $1 AND status = 'active'", 1, (const char *[]){customer_id}));
    PQclear(run(conn, "INSERT INTO cards (number, programme_id, customer_id, origin)\n"
                      "VALUES ($1, $2, $3, $4)\n"
                      "ON CONFLICT (number) DO NOTHING RETURNING number", 4,
                (const char *[]){argv[2], programme, customer_id, "virtual"}));
    PQclear(run(conn, "INSERT INTO card_events (card_number, kind, reason, related, source, request_id)\n"
                      "VALUES ($1, $2, $3, $4, $5, $6)", 6,
                (const char *[]){argv[2], "issued", NULL, NULL, "register-card.issue", "c-bench"}));
    PGresult *view = run(conn,
        "SELECT c.number, c.programme_id, c.status, c.origin, c.status_reason, c.replaced_by, c.issued_at,\n"
        "       u.id AS customer_id, u.external_id, u.email, u.phone, u.name, u.locale,\n"
        "       latest.version AS agreement_version, latest.accepted_at AS agreement_accepted_at,\n"
        "       first.accepted_at AS agreement_first_accepted_at\n"
        "FROM cards c\nJOIN customers u ON u.id = c.customer_id\n"
        "LEFT JOIN LATERAL (SELECT version, accepted_at FROM agreements a WHERE a.customer_id = u.id\n"
        "                   ORDER BY a.accepted_at DESC, a.id DESC LIMIT 1) latest ON true\n"
        "LEFT JOIN LATERAL (SELECT min(accepted_at) AS accepted_at FROM agreements a WHERE a.customer_id = u.id) first ON true\n"
        "WHERE c.number = $1 AND c.programme_id = $2", 2, (const char *[]){argv[2], programme});
    printf("{\"card\":{\"number\":\"%s\"}}\n", PQgetvalue(view, 0, 0));
    PQclear(view);
    PQclear(customer);
    PQclear(run(conn, "COMMIT", 0, NULL));
    PQfinish(conn);
    return 0;
}
