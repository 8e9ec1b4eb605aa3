-- Stock writes to Shopify were never used (decision 0037): the table and the write_inventory scope go.
DROP TABLE "StockChange";
