terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.47.0"
    }
  }
}

provider "aws" {
  region = "eu-central-1"
}

resource "aws_s3_bucket" "a" {
  bucket = "a.example.com"
}

# tags_all is a map of strings: it cannot name a bucket.
resource "aws_s3_bucket" "b" {
  bucket = aws_s3_bucket.a.tags_all
}
