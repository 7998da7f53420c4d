# The s3 backend has no `bukcet`: `terraform init` refuses it before it
# connects anywhere.
terraform {
  backend "s3" {
    bukcet = "acme-tfstate"
    key    = "infra/terraform.tfstate"
    region = "us-east-1"
  }
}

output "judged" {
  value = "x"
}
