terraform {
  required_providers {
    heroku = {
      source  = "heroku/heroku"
      version = "~> 5.3.2"
    }
  }
}

# An app's organization is one block at most.
resource "heroku_app" "web" {
  name   = "web"
  region = "eu"
  organization {
    name = "one"
  }
  organization {
    name = "two"
  }
}
