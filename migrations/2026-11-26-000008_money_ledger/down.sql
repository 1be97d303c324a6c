DROP TABLE money_ledger;
