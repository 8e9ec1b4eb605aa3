-- AlterTable
ALTER TABLE "ShopSettings" ADD COLUMN     "adviceAppliedAt" TIMESTAMPTZ(3);

-- Settings saved before this column existed were applied by the save itself.
UPDATE "ShopSettings" SET "adviceAppliedAt" = "updatedAt";
