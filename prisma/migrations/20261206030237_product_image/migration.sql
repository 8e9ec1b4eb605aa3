-- AlterTable
ALTER TABLE "Product" ADD COLUMN     "imageAlt" TEXT,
ADD COLUMN     "imageUrl" TEXT;
